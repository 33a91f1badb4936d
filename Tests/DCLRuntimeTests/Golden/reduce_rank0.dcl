// `axis: none` reduces every per-sample axis. A tensor reduced over its batch axis as well has
// none left: reducing it again is no crash, and the model is refused for its output's shape.

model m {  // expect error[E0301]: the output of `m` must keep the batch as its first axis, found f32[]
  input x: [4]
  sum(axis: [0, 1])
  sum(axis: none)
}
print m.output_shape
