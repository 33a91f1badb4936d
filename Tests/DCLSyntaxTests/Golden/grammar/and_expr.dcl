// and_expr: binds tighter than `or`.
let v = a and b or c and d
// ast: (let v (or (and a b) (and c d)))
