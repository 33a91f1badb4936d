// Options records and named choices.
import std.vision
data digits = csv("data/digits/digits.csv")
let net = lenet(10, size: 8)
train net on digits { epoch: 3 } // error: E0217 `train` has no option `epoch`
// hint: did you mean `epochs`?
train net on digits { epochs: "three" }   // error: E0201 option `epochs` expects an int, found string
split s = vertical(net, fuse: prod)        // error: E0215 `prod` is not a choice for `fuse`
split t = vertical(cloud: net)             // error: E0213 `vertical` needs a backbone, or both `cloud:` and `device:`
