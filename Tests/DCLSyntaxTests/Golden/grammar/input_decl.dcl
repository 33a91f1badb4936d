// input_decl: `input` is contextual; the type is per-sample.
model m {
  input image: f32[3, 224, 224]
  input ids: i32[]
  input flat: [784]
}
// ast: (model m (body (input image (tensor f32 3 224 224)) (input ids (tensor i32)) (input flat (tensor 784))))
