// ICIIA: an attention plug-in that replaces a frozen backbone's head and reads its features.
import std.vision as vision

plugin iciia = inter_image_attention(layers: 2, heads: 4, partitions: 8, shuffle: true, memory: 16)

model lenet(classes: int = 10) {
  input x: [1, 28, 28]
  features {
    conv2d(6, kernel: 5, pad: 2) |> relu |> maxpool(2)
    conv2d(16, kernel: 5) |> relu |> maxpool(2)
    flatten |> linear(120) |> relu |> linear(84) |> relu
  }
  head { linear(classes) }
}

fn class_groups(classes: int, per: int = 2) -> list[list[int]] {
  var groups = []
  var start = 0
  while start < classes {
    groups = groups ++ [[c for c in start..min(start + per, classes)]]
    start += per
  }
  return groups
}

let adaptive = attach(lenet(10), iciia, at: head, frozen: true)
let groups = class_groups(10)
train adaptive.iciia on cloud.data { epochs: 5, clients: clients(group: groups, batch: 16) }
print "per-client accuracy: {evaluate(adaptive, on: device.test, per: client):.2%}"
