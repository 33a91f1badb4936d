// Vision backbones, written in dcl: LeNet-5, a small ResNet, a MobileNet-style
// depthwise-separable stack, and a tiny vision transformer. Each has `features` (the
// penultimate representation plug-ins read) and a `head` (the classifier they replace).

import std.nn

// LeNet-5 (valid 5×5 convolutions, ReLU, max pooling), as in the reference benchmarks.
model lenet(classes: int = 10, channels: int = 1, size: int = 28) {
  input x: [channels, size, size]
  features {
    conv2d(6, kernel: 5) |> relu |> maxpool(2)
    conv2d(16, kernel: 5) |> relu |> maxpool(2)
    flatten |> linear(120) |> relu |> linear(84) |> relu
  }
  head {
    linear(classes)
  }
}

// A basic residual block: two 3×3 convolutions with batch norm, and a projected shortcut
// when the shape changes. The shortcut compares the input with the block's own output (not
// with `c`), so a width split, which narrows both, keeps the identity shortcuts.
block residual(c: int, stride: int = 1)(x) {
  h = x
    |> conv2d(c, 3, stride: stride, pad: 1, bias: false)
    |> batchnorm
    |> relu
    |> conv2d(c, 3, pad: 1, bias: false)
    |> batchnorm
  s = if stride == 1 and shape(x)[0] == shape(h)[0] {
    x
  } else {
    x |> conv2d(c, 1, stride: stride, bias: false) |> batchnorm
  }
  return relu(h + s)
}

// A CIFAR-style ResNet-(6n+2): a stem, three stages of n residual blocks (widths w, 2w, 4w,
// the last two stages halving the resolution), global average pooling.
model resnet(
  depth: int = 8,
  width: int = 16,
  classes: int = 10,
  channels: int = 1,
  size: int = 28,
) {
  input x: [channels, size, size]
  stem {
    conv2d(width, 3, pad: 1, bias: false) |> batchnorm |> relu
  }
  features {
    let n = div(depth - 2, 6)
    for stage in 0..3 {
      for b in 0..n {
        residual(width * 2 ** stage, stride: if b == 0 and stage > 0 { 2 } else { 1 })
      }
    }
    global_avgpool
  }
  head {
    linear(classes)
  }
}

// A depthwise-separable convolution: 3×3 depthwise then 1×1 pointwise, each with batch norm.
block separable(c: int, stride: int = 1)(x) {
  x
    |> depthwise(3, stride: stride, pad: 1, bias: false)
    |> batchnorm
    |> relu
    |> conv2d(c, 1, bias: false)
    |> batchnorm
    |> relu
}

// A MobileNet-style stack: a stem, then one separable block per entry of `strides`, doubling
// the width at each.
model mobilenet(
  width: int = 8,
  classes: int = 10,
  channels: int = 1,
  size: int = 28,
  strides: list[int] = [2, 2, 1],
) {
  input x: [channels, size, size]
  stem {
    conv2d(width, 3, pad: 1, bias: false) |> batchnorm |> relu
  }
  features {
    for i, s in strides {
      separable(width * 2 ** (i + 1), stride: s)
    }
    global_avgpool
  }
  head {
    linear(classes)
  }
}

// A pre-norm Transformer encoder block over tokens [N, T, d].
block vit_block(heads: int = 4, mlp_ratio: int = 2)(x) {
  h = x + (x |> layernorm |> self_attention(heads))
  return h + (h |> layernorm |> feed_forward(mlp_ratio))
}

// A tiny vision transformer: non-overlapping patches embedded by a strided convolution,
// learned position embeddings, `depth` encoder blocks, mean over tokens.
model vit(
  patch: int = 7,
  dim: int = 64,
  depth: int = 2,
  heads: int = 4,
  classes: int = 10,
  channels: int = 1,
  size: int = 28,
) {
  input x: [channels, size, size]
  stem {
    p = x |> conv2d(dim, patch, stride: patch)
    reshape(p, [-1, shape(p)[0], div(size, patch) ** 2]) |> permute([0, 2, 1]) |> position_embedding
  }
  features {
    for i in 0..depth {
      vit_block(heads)
    }
    layernorm |> mean(axis: 1)
  }
  head {
    linear(classes)
  }
}
