// format_spec: alignment, width, precision, type — each optional.
print "{a:.2f} {b:>8} {c:<4d} {d:^10.3e} {e:%} {f:}"
// ast: (print (str (interp a ".2f") " " (interp b ">8") " " (interp c "<4d") " " (interp d "^10.3e") " " (interp e "%") " " (interp f "")))
