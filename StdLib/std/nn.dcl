// General building blocks, written in dcl: perceptrons and attention.

// A multi-layer perceptron: flatten, then `linear |> relu` per hidden width, then `classes` outputs.
model mlp(shape: list[int] = [784], hidden: list[int] = [256, 128], classes: int = 10) {
  input x: [shape]
  features {
    flatten
    for h in hidden {
      linear(h) |> relu
    }
  }
  head {
    linear(classes)
  }
}

// Widths are read from the input (`shape(x)`) and kept (`keep_width: true`): a vertical width
// split narrows the layers before a block, and the block follows its input's width instead of
// being narrowed a second time.

// Two linear layers with a GELU between them, `ratio` times wider inside, back to the input width.
block feed_forward(ratio: int = 2)(x) {
  let d = shape(x)[-1]
  x |> linear(d * ratio, keep_width: true) |> gelu |> linear(d, keep_width: true)
}

// Multi-head self-attention over the tokens of each sample: [N, T, d] → [N, T, d].
block self_attention(heads: int = 4)(x) {
  let t = shape(x)[0]
  let d = shape(x)[1]
  let dh = div(d, heads)
  q = x |> linear(d, keep_width: true) |> reshape([-1, t, heads, dh]) |> permute([0, 2, 1, 3])
  k = x |> linear(d, keep_width: true) |> reshape([-1, t, heads, dh]) |> permute([0, 2, 1, 3])
  v = x |> linear(d, keep_width: true) |> reshape([-1, t, heads, dh]) |> permute([0, 2, 1, 3])
  a = softmax(matmul(q, k, transpose_b: true) * (1 / sqrt(dh)), axis: -1)
  o = matmul(a, v) |> permute([0, 2, 1, 3]) |> reshape([-1, t, d])
  return o |> linear(d, keep_width: true)
}

// Multi-head attention across the samples of a batch: the N rows of [N, d] are the tokens
// (ICIIA: one client's images attend to each other). Every projection is partitioned into
// `partitions` diagonal blocks, optionally followed by the feature shuffle.
block set_attention(heads: int = 4, partitions: int = 1, shuffle: bool = true)(x) {
  let d = shape(x)[0]
  let dh = div(d, heads)
  q = x
    |> plinear(d, partitions, shuffle: shuffle, keep_width: true)
    |> reshape([-1, heads, dh])
    |> permute([1, 0, 2])
  k = x
    |> plinear(d, partitions, shuffle: shuffle, keep_width: true)
    |> reshape([-1, heads, dh])
    |> permute([1, 0, 2])
  v = x
    |> plinear(d, partitions, shuffle: shuffle, keep_width: true)
    |> reshape([-1, heads, dh])
    |> permute([1, 0, 2])
  a = softmax(matmul(q, k, transpose_b: true) * (1 / sqrt(dh)), axis: -1)
  o = matmul(a, v) |> permute([1, 0, 2]) |> reshape([-1, d])
  return o |> plinear(d, partitions, shuffle: shuffle, keep_width: true)
}
