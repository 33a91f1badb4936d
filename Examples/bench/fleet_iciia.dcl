// `dcl bench fleet --pattern iciia`: ICIIA's per-device work (Examples/iciia_mnist.dcl) for a
// fleet of `devices` devices: each streams its 16 test images through the attention plug-in
// with a memory of its recent image features. The cloud part (backbone and one plug-in, P = 4)
// is small and fixed. Scripts/reference/fleet_iciia.py is the same protocol in plain PyTorch.
//   dcl run Examples/bench/fleet_iciia.dcl --set devices=100
import std.data
import std.iciia

param devices: int = 10

let mnist = mnist_dataset("../data/mnist")

model backbone(classes: int = 10) {
  input x: [1, 28, 28]
  features {
    conv2d(8, kernel: 5) |> relu |> maxpool(2)
    conv2d(16, kernel: 5) |> relu |> maxpool(2)
    flatten |> linear(64) |> relu
  }
  head {
    linear(classes)
  }
}

let net = backbone(10)
train net on mnist.train |> take(6000, seed: 1) {
  epochs: 1
  batch: 64
  optimizer: adam(lr: 2e-3)
  log: "none"
}

// 5 groups of 2 classes, r = 0.9, 96 images per client (80 history, 16 to predict). The cloud
// trains the plug-in on 50 simulated clients; the test set holds 104 such clients, of which
// the first 100 are distinct devices and device c holds client c mod 100's images with its
// own history/test split.
let groups = class_groups(groups: 5, r: 0.9, size: 96)
let cloud_clients = mnist.train
  |> drop(6000, seed: 1)
  |> take(4800, seed: 2)
  |> partition(groups, clients: 50, test: 0, seed: 3)

role device[devices] {
  data: mnist.test |> partition(groups, test: 16 / 96, seed: 4, distinct: 100)
}

let att = inter_image_attention(net, layers: 1, heads: 4, partitions: 4, memory: 16, min_memory: 1)
train att on cloud_clients.train {
  epochs: 2
  batch: 16
  optimizer: adam(lr: 5e-4)
  clip: 5
  log: "none"
}

// The fleet: per device, its history's features fill the memory and each test image is
// answered from [memory ; image].
var accs = []
let start = clock()
for d in device {
  accs += [evaluate(att, on: d).accuracy]
}
let loop = clock() - start
print "fleet devices={devices} loop_s={loop:.6f} metric=accuracy value={mean(accs):.6f}"
