// Only names, fields and elements can be assigned.
f(x) = 1
// error: 2:1 E0024 cannot assign to a call
a + b += 2
// error: 4:1 E0024 cannot assign to the result of `+`
