// A shape error while a model elaborates points at the layer. The model is declared without
// parameters, so it is built at its declaration and no call site is labelled.

model bad {
  input x: [1, 8, 8]
  conv2d(4, kernel: 3) |> maxpool(2)
  conv2d(4, kernel: 5)  // expect error[E0301]: conv2d (`conv2d_2`): window 5×5 (dilation 1×1) does not fit input 3×3 with padding 0×0 (inputs: f32[N,4,3,3], f32[4,4,5,5], f32[4])
}
print bad
