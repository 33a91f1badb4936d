// Language constructs the examples and StdLib do not use, for the grammar tests: while,
// continue, break, `..=`, list comprehensions, nested interpolations, every format spec, file
// imports, load/save, nested block comments over several lines, a typed tensor input.

/* A block comment /* with a nested one */
   that continues on a second line */
fn count(
  xs: list[list[int]] = [[1]],
  limit: int = 10,
  opts: record = { label: "s{limit:>8}" },
) -> int {
  var n = 0
  var i = 0
  while i < limit and not (opts == none) {
    i += 1
    if i % 2 == 0 {
      continue
    }
    n += len([v * 2 for v in 0..=i if v % 3 == 0])
    if n > 100 {
      break
    }
  }
  return if n > 0 { n } else { 0 }
}

model tiny(w: int = 2) {
  input x: f32[4]
  stem {
    linear(w) |> relu
  }
  head {
    linear(1.5k) |> linear(1)
  }
}

let net = tiny(3)
let s = "tab\t brace \{ \} quote \" {"nested {1 + 2}"} end \u{1F600}"
print "{0.25:.3e} {12:<4d} {"x":^10s} {0.5:%} {count():>6}"
save net to "tiny.safetensors"
load net from "tiny.safetensors"
