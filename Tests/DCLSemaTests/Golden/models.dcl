// Model bodies: inputs, sections and what a body line may be.
model noinput {                  // error: E0303 model `noinput` declares no input
  linear(2)
}

model order {
  input x: [4]
  head { linear(2) }
  features { linear(8) }         // error: E0304 `features` must come before `head`
}

model lines {
  input x: [4]
  5                              // error: E0302 a line of a model or block body must be a layer or a tensor, found int
  linear(2)
}
