// ICIIA — intra-client and inter-image attention (arXiv 2211.06276), written in dcl.
//
// The plug-in replaces the head of a frozen backbone and reads its penultimate features. Its
// tokens are whole images of one client: the current images and the client's stored recent
// features attend to each other. Every linear projection is partitioned into P diagonal
// blocks followed by a feature shuffle, which divides its FLOPs and parameters by about P.

import std.nn

// One post-norm encoder layer: x = LN(x + MHA(x)); x = LN(x + FF(x)), FF width d, ReLU.
block iciia_layer(
  heads: int = 4,
  partitions: int = 1,
  shuffle: bool = true,
  dropout_p: float = 0.1,
)(x) {
  let d = shape(x)[0]
  h = layernorm(x + (x |> set_attention(heads, partitions, shuffle) |> dropout(dropout_p)))
  f = h
    |> plinear(d, partitions, shuffle: shuffle, keep_width: true)
    |> relu
    |> dropout(dropout_p)
    |> plinear(d, partitions, shuffle: shuffle, keep_width: true)
    |> dropout(dropout_p)
  return layernorm(h + f)
}

// The plug-in head: `layers` encoder layers, then ReLU and a dense classifier.
block iciia_head(
  classes: int,
  layers: int = 1,
  heads: int = 4,
  partitions: int = 1,
  shuffle: bool = true,
)(x) {
  for i in 0..layers {
    x = x |> iciia_layer(heads, partitions, shuffle)
  }
  return x |> relu |> linear(classes)
}

// Attaches an ICIIA head to a frozen backbone. The client memory keeps `memory` recent
// feature vectors; with fewer than `min_memory` stored, the backbone's own head answers.
fn inter_image_attention(
  backbone: model,
  layers: int = 1,
  heads: int = 4,
  partitions: int = 1,
  shuffle: bool = true,
  memory: int = 16,
  min_memory: int = 1,
) -> plugin {
  let classes = backbone.output_shape[0]
  return attach(
    backbone,
    iciia_head(classes, layers, heads, partitions, shuffle),
    memory: memory,
    min_memory: min_memory,
  )
}
