// Unbounded recursion is a limit (E0507), not a crash. The error points at the call that went
// one level too deep; the recursive frames through that one call site are one, and the
// outermost call is labelled.

fn f(n: int) -> int {
  return f(n + 1)  // expect error[E0507]: calls nested deeper than 256 (unbounded recursion in `f`?)
}
print f(0)  // expect label: in `f`, called here
