// primary: every kind of literal and atom.
print 1, 2.5, 100k, "s", true, false, none, name
// ast: (print 1 2.5 (size 100000 count) "s" true false none name)
print (1), [1], {a: 1}, if c { 1 } else { 2 }
// ast: (print (paren 1) (list 1) (record (a 1)) (if-expr c 1 2))
