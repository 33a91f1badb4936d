// interpolation: any expression, a top-level `:` starts the format spec.
print "{a}{f(x: 1)} { {k: 2}.k } {"nested {b}"}"
// ast: (print (str (interp a) (interp (call f (arg x 1))) " " (interp (. (record (k 2)) k)) " " (interp (str "nested " (interp b)))))
