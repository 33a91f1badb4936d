// block_decl: hyperparameters, then tensor inputs, then the layers in DAG form.
block residual(c: int)(x) {
  h = x |> conv2d(c, 3, pad: 1) |> batchnorm
  return relu(h + x)
}
// ast: (block residual (params (param c int)) (inputs x) (body (= h (|> (|> x (call conv2d c 3 (arg pad 1))) batchnorm)) (return (call relu (+ h x)))))
block merge()(a, b) { return a + b }
// ast: (block merge (params) (inputs a b) (body (return (+ a b))))
