// params: comma-separated, a trailing comma allowed, across lines.
fn f(a, b, c,) { }
// ast: (fn f (params (param a _) (param b _) (param c _)) (body))
fn g(
  width: int = 64,
  depth: int,
) { }
// ast: (fn g (params (param width int 64) (param depth int)) (body))
