// model_item: an input, a section or a model statement.
model m(n: int) {
  input x: [n]
  stem { conv2d(8, 3) }
  let k = n * 2
  h = x |> linear(k)
  return h
}
// ast: (model m (params (param n int)) (body (input x (tensor n)) (section stem (body (call conv2d 8 3))) (let k (* n 2)) (= h (|> x (call linear k))) (return h)))
