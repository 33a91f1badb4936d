// A run-time error carries the span of the failing expression.

let xs = [1, 2]
print len(xs)  // expect: 2
print xs[5]    // expect error[E0503]: index 5 is out of range for 2 elements
print "never"
