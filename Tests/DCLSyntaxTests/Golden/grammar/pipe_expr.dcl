// pipe_expr: left to right; a line may start with `|>`.
x |> conv2d(6, 5) |> relu
// ast: (|> (|> x (call conv2d 6 5)) relu)
data d = source()
  |> shuffle(seed: 1)
  |> take(100)
// ast: (data d (|> (|> (call source) (call shuffle (arg seed 1))) (call take 100)))
