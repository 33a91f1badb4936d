// statement: every kind at the top level.
let a = 1
// ast: (let a 1)
var b = 2
// ast: (var b 2)
b = 3
// ast: (= b 3)
if a { }
// ast: (if (a (body)))
for x in xs { }
// ast: (for x xs (body))
while false { }
// ast: (while false (body))
return
// ast: (return)
break
// ast: (break)
continue
// ast: (continue)
print a
// ast: (print a)
train m on d
// ast: (train (m) (on d))
distill c on d
// ast: (distill-run c (on d))
save m to "m.dclb"
// ast: (save m (to "m.dclb"))
load m from "m.dclb"
// ast: (load m (from "m.dclb"))
f(a)
// ast: (call f a)
