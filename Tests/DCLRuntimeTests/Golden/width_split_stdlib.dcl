// Every standard-library backbone splits by width: both halves elaborate, their outputs have
// the backbone's output shape, and the halves' widths add up to the backbone's.

import std.vision
import std.nn
import std.rec

split a = vertical(lenet(10), device_width: 1/8)
split b = vertical(resnet(depth: 8), device_width: 1/8)
split c = vertical(mobilenet(width: 8), device_width: 1/4)
split d = vertical(vit(dim: 32), device_width: 1/8)
split e = vertical(mlp(shape: [1, 28, 28], hidden: [64, 32]), device_width: 1/8)
split f = vertical(ctr(users: 50, items: 40, dim: 16, hidden: [32]), device_width: 1/4)

// lenet: cloud widths 5, 14, 105, 74 (6·7/8 … rounded), device 1, 2, 15, 11; the head keeps 10.
// mlp: cloud 784·56+56 + 56·28+28 + 28·10+10 = 45846, device 784·8+8 + 8·4+4 + 4·10+10 = 6366.
for s in [a, b, c, d, e, f] {
  print s.cloud.params, s.device.params
}
// expect: 34113 869
// expect: 59692 1384
// expect: 2698 570
// expect: 15354 666
// expect: 45846 6366
// expect: 1993 473
