// mode: check
import std.vision

// std.vision's backbones apply the built-in `relu`; this module's block of the same name does
// not reach them (check mode remembers per module which built-in a name means) ...
let backbone = resnet(depth: 8)

// ... and here `relu` is the block.
block relu()(x) {
  return x |> reshape([7])  // expect error[E0301]: cannot reshape f32[N,4] to [7]: the batch size would change
}

model m {
  input x: [4]
  linear(4)
  relu()  // expect label: in block `relu`, applied here
}

let net = m
// expect help: use -1 for the batch axis, e.g. [-1, …]
