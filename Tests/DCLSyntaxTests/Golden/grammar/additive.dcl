// additive: `+`, `-` and `++` (concatenation), left-associative.
let v = a + b - c ++ d
// ast: (let v (++ (- (+ a b) c) d))
