// A string must end on the line it starts.
print "hello
// error: 2:7 E0004 unterminated string
print "a {f(x"
// error: 4:7 E0004 unterminated string
print "ok"
// ast: (print "hello")
// ast: (print (str "a " (interp (call f x))))
// ast: (print "ok")
