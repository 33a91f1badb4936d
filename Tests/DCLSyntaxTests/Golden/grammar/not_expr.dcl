// not_expr: repeatable, looser than comparison.
let v = not a
// ast: (let v (not a))
let w = not not a == b
// ast: (let w (not (not (== a b))))
