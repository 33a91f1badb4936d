// model_decl: with or without parameters.
model tiny {
  input x: [4]
  linear(2)
}
// ast: (model tiny (body (input x (tensor 4)) (call linear 2)))
model lenet(classes: int = 10) {
  input x: [1, 28, 28]
  head { linear(classes) }
}
// ast: (model lenet (params (param classes int 10)) (body (input x (tensor 1 28 28)) (section head (body (call linear classes)))))
model empty() { }
// ast: (model empty (params) (body))
