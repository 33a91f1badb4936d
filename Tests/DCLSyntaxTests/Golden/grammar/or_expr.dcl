// or_expr
let v = a or b or c
// ast: (let v (or (or a b) c))
