// unary: prefix `-` and `+`, repeatable.
let v = -a
// ast: (let v (neg a))
let w = - -a + +b
// ast: (let w (+ (neg (neg a)) (pos b)))
