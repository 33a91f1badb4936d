// multiplicative: `*`, `/`, `%`, tighter than additive.
let v = a * b / c % d + e
// ast: (let v (+ (% (/ (* a b) c) d) e))
