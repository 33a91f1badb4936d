// layer_body: model statements only.
block b()(x) {
  let y = x |> relu
  if true { y = y |> dropout(0.1) }
  for i in 0..2 { y = y |> linear(8) }
  return y
}
// ast: (block b (params) (inputs x) (body (let y (|> x relu)) (if (true (body (= y (|> y (call dropout 0.1)))))) (for i (.. 0 2) (body (= y (|> y (call linear 8))))) (return y)))
