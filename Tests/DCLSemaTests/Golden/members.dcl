// Members and calls of values.
import std.vision
let net = lenet(10)
let f = net.featurs              // error: E0206 a model has no member `featurs`
// hint: did you mean `features`?
let three = 3
three(1)                         // error: E0205 `three` of type int is not callable
let r = {a: 1, b: 2}
print r.c                        // error: E0206 a {a: int, b: int} has no member `c`
