// Backbones written in dcl itself, the way StdLib/ is meant to be.

fn widths(base: int, stages: int) -> list[int] {
  return [base * 2 ** s for s in 0..stages]
}

block mbconv(c: int, expand: int = 4, kernel: int = 3)(x) {
  let hidden = c * expand
  h = x |> conv2d(hidden, 1) |> batchnorm |> relu6
  h = h |> depthwise_conv2d(kernel, pad: kernel / 2) |> batchnorm |> relu6
  h = h |> conv2d(c, 1) |> batchnorm
  return if channels(x) == c { x + h } else { h }
}

model mobilenet_micro(classes: int = 10, width: float = 0.25) {
  input x: f32[1, 28, 28]
  stem { conv2d(8, 3, stride: 2, pad: 1) |> batchnorm |> relu6 }
  features {
    for c in widths(8, 3) { mbconv(c); mbconv(c, expand: 6) }
  }
  head { global_avg_pool |> dropout(0.2) |> linear(classes) }
}

model mlp(hidden: list[int], classes: int) {
  input x: [784]
  h = x
  for n in hidden { h = h |> linear(n) |> relu }
  return h |> linear(classes)
}

fn schedule(epoch: int, base: float = 1e-3) -> float {
  let warm = 5
  if epoch < warm { return base * (epoch + 1) / warm }
  return base * 0.5 ** ((epoch - warm) / 10)
}

fn describe(cfg) {
  let name = cfg.name
  print "model {name:<12} params {cfg.params:>10d} flops {cfg.flops:.2e}", "ok = {not cfg.failed}"
  let sizes = { small: 100k, medium: 2.5M, large: 1.5G, disk: 64MiB, blob: 1_000B, odd: 0.3k }
  return sizes[name]
}

let unicode = "naïve — 😀 \u{1F600} \t tab \"quoted\" \{braces\}"
let empty = ""
let nested = "outer {"inner {1 + 2}"} done"
let neg = -x ** 2 + +y - -z
let flags = not a or b and c != d
let ok = 0 <= i and i < n
let inclusive = [k for k in 1..=10 if k % 3 != 0]
