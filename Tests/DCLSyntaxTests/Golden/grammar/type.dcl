// type: a name with optional type arguments; reserved words name kinds of values.
fn f(a: int, b: list[float], c: dict[str, list[int]], m: model) { }
// ast: (fn f (params (param a int) (param b (list float)) (param c (dict str (list int))) (param m model)) (body))
let x: list[int] = []
// ast: (let x (: (list int)) (list))
