// tensor_type: optional element type, dimensions as expressions, a trailing comma allowed.
model m(n: int) {
  input a: [n * 2, n + 1,]
  input b: f16[
    1,
    28,
  ]
}
// ast: (model m (params (param n int)) (body (input a (tensor (* n 2) (+ n 1))) (input b (tensor f16 1 28))))
