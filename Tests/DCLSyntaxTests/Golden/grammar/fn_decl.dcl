// fn_decl: parameters, an optional result type, a body.
fn square(x: float) -> float {
  return x * x
}
// ast: (fn square (params (param x float)) (-> float) (body (return (* x x))))
fn hello() {
  print "hello"
}
// ast: (fn hello (params) (body (print "hello")))
fn scale(xs: list[float], by = 2) -> list[float] { return [x * by for x in xs] }
// ast: (fn scale (params (param xs (list float)) (param by _ 2)) (-> (list float)) (body (return (comp (* x by) (for x xs)))))
