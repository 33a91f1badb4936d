// sep: a newline or `;` separates items.
let a = 1; let b = 2
// ast: (let a 1)
// ast: (let b 2)
print a
print b
// ast: (print a)
// ast: (print b)
