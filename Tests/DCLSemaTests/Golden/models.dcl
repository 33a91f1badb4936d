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

model plain {
  input x: [4]
  linear(2)
}
let again = plain()              // error: E0202 `plain` needs at least one tensor
// hint: a model applies to tensors: `plain(x)`; declared without parameters, `plain` already is a model — use it as it is, or `copy(plain)` for another instance
