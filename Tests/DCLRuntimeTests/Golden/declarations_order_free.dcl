// Declarations are order-free and evaluated once: a model is usable above its declaration.

print tiny.params  // expect: 8
model tiny {
  input x: [3]
  linear(2)
}
print tiny.params  // expect: 8
