// Seed for fuzz-script: a model whose layer sizes come from arithmetic, elaborated in check
// mode (shapes through every layer), and a bundle with a budget.
import std.nn

fn width(k: int) -> int {
  return k * 4 + 1
}

model net(size: int = 8, hidden: int = 16) {
  input x: [1, size, size]
  features {
    conv2d(width(1), kernel: 3, pad: 1, stride: 2) |> relu |> maxpool(2)
    flatten |> linear(hidden) |> relu
  }
  head {
    linear(3)
  }
}

let m = net(size: 12)
let p = mlp(shape: [2, 3], hidden: [width(2)], classes: 2)
role device[2] { budget { params: 10k, flops: 1M, memory: 1MiB, storage: 64KiB } }
bundle phone for device { models: [m, p], quantize: int8 }
