// print_stmt: one or more values.
print "hello"
// ast: (print "hello")
print a, b + 1, "c"
// ast: (print a (+ b 1) "c")
