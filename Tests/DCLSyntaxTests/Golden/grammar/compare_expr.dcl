// compare_expr: one comparison, of ranges.
let v = a + 1 < b
// ast: (let v (< (+ a 1) b))
let w = 0..n == r
// ast: (let w (== (.. 0 n) r))
