// Bindings, loops, functions, comprehensions and string formatting.

fn fib(n: int) -> int {
  if n < 2 { return n }
  return fib(n - 1) + fib(n - 2)
}

var total = 0
for i in 0..5 { total += i }
var xs = []
for i, x in [10, 20, 30] { xs += [i * x] }
let squares = [k * k for k in 1..=4 if k != 3]
let r = {name: "lenet", acc: 0.98765}
print fib(10), total, xs, squares  // expect: 55 10 [0, 20, 60] [1, 4, 16]
print "acc {r.acc:.2f} {r.acc:.1%} [{r.name:>7}] {div(-7, 2)} {7 / 2} {2 ** 10} {1MiB} {100k}"
// expect: acc 0.99 98.8% [  lenet] -4 3.5 1024 1.00 MiB 100000

var n = 0
while n < 3 { n += 1 }
print n, len("héllo"), round(2.675, 2), max(3, 9, 4), mean([1, 2, 3])  // expect: 3 5 2.68 9 2.0

print table([{method: "a", acc: 0.5}, {method: "bbb", acc: 0.25}], title: "T", digits: 3)
// expect: T
// expect: method  acc
// expect: ------  -----
// expect: a       0.500
// expect: bbb     0.250
