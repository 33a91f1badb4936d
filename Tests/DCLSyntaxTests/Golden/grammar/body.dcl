// body: statements separated by newlines or `;`.
fn f() {

  let a = 1; let b = 2

  print a + b;
}
// ast: (fn f (params) (body (let a 1) (let b 2) (print (+ a b))))
fn g() { }
// ast: (fn g (params) (body))
