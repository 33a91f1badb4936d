// ICIIA (arXiv 2211.06276) at small scale on MNIST: a frozen backbone, clients whose images
// come mostly from one group of classes, and an inter-image attention plug-in that replaces the
// backbone's head and reads the client's recent images. Projections are partitioned into P
// blocks with a feature shuffle.
//   swift run -c release dcl run Examples/iciia_mnist.dcl [--set devices=N]
import std.data
import std.iciia

// The fleet: each device holds 96 of the 10,000 test images (80 of history, 16 to predict).
param devices: int = 100
// The backbone's feature width d: the plug-in's tokens are d wide, so P partitions are d / P wide.
param feature_width: int = 64
// The largest P, run with and without the shuffle (the paper's headline uses P = 256 at d = 1280).
param largest_p: int = 8

let mnist = mnist_dataset("data/mnist")

// The backbone: its `features` (`width` wide) feed the plug-in; its `head` is the baseline.
model backbone(classes: int = 10, width: int = 64) {
  input x: [1, 28, 28]
  features {
    conv2d(8, kernel: 5) |> relu |> maxpool(2)
    conv2d(16, kernel: 5) |> relu |> maxpool(2)
    flatten |> linear(width) |> relu
  }
  head {
    linear(classes)
  }
}

let net = backbone(10, width: feature_width)
train net on mnist.train |> take(6000, seed: 1) { epochs: 1, batch: 64, optimizer: adam(lr: 2e-3) }

// Clients formed by grouping classes (5 groups of 2 classes); a fraction r = 0.9 of each
// client's images comes from its group. The cloud simulates 200 clients to train the plug-in
// once; 100 devices, built from the held-out test images, each keep 80 images of history and
// 16 to predict.
let groups = class_groups(groups: 5, r: 0.9, size: 96)
let cloud_clients = mnist.train
  |> drop(6000, seed: 1)
  |> take(20000, seed: 2)
  |> partition(groups, clients: 200, test: 0, seed: 3)

role device[devices] {
  data: mnist.test |> partition(groups, test: 16 / 96, seed: 4)
}

let base = evaluate(net, on: device.test)
let backbone_flops = net.flops
var rows = [
  {
    plugin: "backbone alone"
    accuracy: base.accuracy
    std: base.std.accuracy
    params: 0
    flops_percent: 0.0
  },
]
var best = none
var shuffled_p = []
var shuffled_acc = []
var unshuffled_largest = 0.0
for setting in [[1, true], [2, true], [4, true], [largest_p, true], [largest_p, false]] {
  let p = setting[0]
  let att = inter_image_attention(
    net,
    layers: 1,
    heads: 4,
    partitions: p,
    shuffle: setting[1],
    memory: 16,
    min_memory: 1,
  )
  train att on cloud_clients.train {
    epochs: 12
    batch: 16
    optimizer: adam(lr: 5e-4)
    clip: 5
    log: "none"
  }
  let r = evaluate(att, on: device.test)
  // The plug-in runs over the memory (16) plus the current image: FLOPs per image, as a
  // share of the backbone's.
  let flops = cost(att.module, batch: 17).flops / 17
  let name = if setting[1] { "ICIIA P={p}" } else { "ICIIA P={p}, no shuffle" }
  rows += [
    {
      plugin: name
      accuracy: r.accuracy
      std: r.std.accuracy
      params: att.module.params
      flops_percent: 100 * flops / backbone_flops
    },
  ]
  if p == 1 {
    best = att
  }
  if setting[1] {
    shuffled_p += [p]
    shuffled_acc += [r.accuracy]
  } else {
    unshuffled_largest = r.accuracy
  }
}
print table(
    rows,
    title: "ICIIA on MNIST class-grouped clients ({devices} devices, 16 test images each, memory 16)",
  )

var curve = []
for m in [0, 2, 4, 8, 16] {
  let r = evaluate(best, on: device.test, memory: m, min_memory: 0)
  curve += [{ memory: m, accuracy: r.accuracy, std: r.std.accuracy }]
}
let cold = evaluate(best, on: device.test, memory: 0)
print table(curve, title: "ICIIA P=1: accuracy against memory size (cold-start fallback off)")
print "with the cold-start policy (backbone head below 1 stored image), memory 0 gives {cold.accuracy:.4f}"

// The paper's claims (ICIIA): the plug-in beats the backbone alone, and at large P shuffling
// the partitions beats not shuffling them. `--seeds 0..4` judges them (README.md).
claim("the plug-in (P=1) beats the backbone alone", shuffled_acc[0], above: base.accuracy)
claim("at P={largest_p}, shuffling beats no shuffle", shuffled_acc[3], above: unshuffled_largest)

// Accuracy against P and against the memory size (into DIR with `dcl run --out DIR`).
plot(
  {
    shuffle: { x: shuffled_p, y: shuffled_acc }
    no_shuffle: { x: [largest_p], y: [unshuffled_largest] }
  },
  to: "iciia_mnist_partitions.png",
  kind: scatter,
  x_label: "partitions P",
  y_label: "accuracy",
  log_x: true,
  title: "ICIIA on MNIST: accuracy against partitions P",
)
plot(
  { plugin: [row.accuracy for row in curve] },
  x: [row.memory for row in curve],
  to: "iciia_mnist_memory.png",
  x_label: "images in memory",
  y_label: "accuracy",
  title: "ICIIA P=1: accuracy against memory size",
)

// The device ships the backbone with the plug-in head and an empty per-client memory.
plugin shipped = inter_image_attention(
  net,
  layers: 1,
  heads: 4,
  partitions: 4,
  memory: 16,
  min_memory: 1,
)

bundle phone for device {
  models: [shipped]
}
