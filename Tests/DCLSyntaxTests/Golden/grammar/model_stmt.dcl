// model_stmt: let, assignment, if, for, return or an expression.
model m(deep: bool) {
  let width = 16
  h = conv2d(width, 3)
  if deep { h = h |> conv2d(width, 3) } else { h = h |> relu }
  h |> flatten
}
// ast: (model m (params (param deep bool)) (body (let width 16) (= h (call conv2d width 3)) (if (deep (body (= h (|> h (call conv2d width 3))))) (else (body (= h (|> h relu))))) (|> h flatten)))
