// model_body: items separated by newlines or `;`, blank lines allowed.
model m {

  input x: [8]; linear(4)

  relu
}
// ast: (model m (body (input x (tensor 8)) (call linear 4) relu))
