// Seed for fuzz-script: scalar arithmetic, conversions, ranges, lists and format specifiers —
// the evaluator paths check mode runs at the top level.
let a = 7
let b = -int("12") + div(a, 2) * 3 % 5
let c = floor(2.5) + ceil(1.25) + round(3.14159, digits: 2)
let xs = [x * 2 for x in 0..a if x > 1]
let ys = [1, 2] ++ xs
var total = 0
for i, x in ys {
  total += x ** 2
  if total > 100 { break }
}
while total > 0 { total -= 17 }
let s = "a={a:>5} c={c:.3f} share={0.25:.1%} n={len(ys)} {str(b)}"
assert(len(1..=a) == a, "closed range length")
