// return_stmt: with or without a value.
fn f(x) {
  if x { return }
  return x + 1
}
// ast: (fn f (params (param x _)) (body (if (x (body (return)))) (return (+ x 1))))
