// call_suffix: empty, positional, named, trailing comma, across lines.
f()
// ast: (call f)
g(1, 2,)
// ast: (call g 1 2)
h(
  1,
  k: 2,
)
// ast: (call h 1 (arg k 2))
