// An error inside the standard library also points at the user's line that led there: 30
// features do not split into 4 attention heads, found in `self_attention` (std/nn.dcl), applied
// by `vit_block`, applied by `vit`, which this script constructs.

import std.vision

let net = vit(dim: 30)  // expect label: in model `vit`, constructed here
// expect error[E0301] in std/nn.dcl: cannot reshape f32[N,16,30] to [-1, 16, 4, 7]: 448 does not divide its size
