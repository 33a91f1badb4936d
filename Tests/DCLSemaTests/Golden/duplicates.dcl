// Two declarations of one name in a file.
model tiny {
  input x: [4]
  linear(2)
}

model tiny {              // error: E0101 `tiny` is defined twice in this file
  input x: [4]
  linear(3)
}

fn f(a: int, a: int) -> int {   // error: E0101 parameter `a` is declared twice
  return a
}
