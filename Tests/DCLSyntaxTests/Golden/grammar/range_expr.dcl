// range_expr: exclusive and inclusive, of additive operands.
let a = 0..n
// ast: (let a (.. 0 n))
let b = 1..=n + 1
// ast: (let b (..= 1 (+ n 1)))
