// expr: the lowest level is the pipeline.
let y = x |> f
// ast: (let y (|> x f))
let z = (a or b) |> g
// ast: (let z (|> (paren (or a b)) g))
