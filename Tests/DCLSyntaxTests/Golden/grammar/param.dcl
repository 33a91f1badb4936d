// param: a name, an optional type, an optional default.
fn f(a, b: int, c = 1, d: float = 0.5) { }
// ast: (fn f (params (param a _) (param b int) (param c _ 1) (param d float 0.5)) (body))
