// Arity, named arguments and argument types, checked against the built-in catalog.
model m {
  input x: [1, 28, 28]
  conv2d(6)                      // error: E0202 `conv2d` is missing argument `kernel`
  conv2d(6, kernal: 5)           // error: E0203 `conv2d` has no parameter named `kernal`
  // hint: did you mean `kernel`?
  // error@-2: E0202 `conv2d` is missing argument `kernel`
  flatten |> linear("wide")      // error: E0201 `units` of `linear` expects an int, found string
  linear(10, true, false, 3)     // error: E0202 `linear` takes 3 arguments, found more
}

fn twice(n: int) -> int {
  return n * 2
}
let a = twice()                  // error: E0202 `twice` is missing argument `n`
let b = twice(n: 2, n: 3)        // error: E0204 argument `n` of `twice` is given twice
let c = twice(1.5)               // error: E0201 `n` of `twice` expects an int, found float
