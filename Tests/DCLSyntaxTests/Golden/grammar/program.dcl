// program: separators may lead, trail and repeat.
;
let a = 1;; let b = 2
// ast: (let a 1)
// ast: (let b 2)

print a;
// ast: (print a)
