// A run-time error inside functions is labelled at every call on the way out, innermost first.

fn ratio(a: int, b: int) -> int {
  return div(a, b)  // expect error[E0503]: `div` by zero
}

fn mean_ratio(xs: list[int], b: int) -> int {
  var total = 0
  for x in xs {
    total += ratio(x, b)  // expect label: in `ratio`, called here
  }
  return div(total, len(xs))
}

print mean_ratio([4, 8], 2)  // expect: 3
print mean_ratio([4, 8], 0)  // expect label: in `mean_ratio`, called here
