// `dcl bench fleet --pattern dcccl`: DC-CCL's per-device work (Examples/dcccl_mnist.dcl) for a
// fleet of `devices` devices, with the cloud part kept small and fixed so the run's time is the
// fleet's. Scripts/reference/fleet_dcccl.py is the same protocol in plain PyTorch.
//   dcl run Examples/bench/fleet_dcccl.dcl --set devices=100
import std.vision
import std.data
import std.dcccl

param devices: int = 10

let mnist = mnist_dataset("../data/mnist")

// The example's network and its 7/8 | 1/8 width split.
model cnn(classes: int = 10) {
  input x: [1, 28, 28]
  features {
    conv2d(32, kernel: 3, pad: 1) |> relu |> maxpool(2)
    conv2d(64, kernel: 3, pad: 1) |> relu |> maxpool(2)
    flatten |> linear(128) |> relu
  }
  head {
    linear(classes)
  }
}

split base = vertical(cnn(10), device_width: 1 / 8, fuse: sum)

distill control = base.cloud -> lenet(10) { loss: mse }

role cloud {
  data: mnist.train |> take(0.5, seed: 1) |> take(2000)
  round_data: mnist.train |> take(0.5, seed: 1) |> take(300)
}

// 3,000 device images cut into 10 distinct Dirichlet(0.5) clients (300 images each on
// average, 60 % train); device c holds client c mod 10's images with its own train/test split,
// so every ten devices do the same total work whatever the fleet size.
role device[devices] {
  data: mnist.train
    |> drop(0.5, seed: 1)
    |> take(3000)
    |> partition(dirichlet(0.5), test: 0.4, seed: 2, distinct: 10)
}

// The cloud part, fixed: one epoch each of cloud pre-training and knowledge transfer.
train base.cloud on cloud.data {
  epochs: 1
  batch: 64
  optimizer: sgd(lr: 0.01, momentum: 0.9, weight_decay: 5e-4)
  log: "none"
}
distill control on cloud.data { epochs: 1, batch: 64, optimizer: adam(lr: 1e-3), log: "none" }

// The fleet: per device, two collaborative rounds of one local epoch (device copy on its
// samples, cloud copy on the round data, averaged), then the cloud + co accuracy.
let rounds = 2
let opt = adam(lr: 1e-2)
var accs = []
let start = clock()
for d in device {
  var co = copy(base.device)
  for r in 0..rounds {
    co = dcccl_round(co, control, d.train, cloud.round_data, epochs: 1, optimizer: opt)
  }
  accs += [evaluate(base.cloud + co, on: d.test).accuracy]
}
let loop = clock() - start
print "fleet devices={devices} loop_s={loop:.6f} metric=accuracy value={mean(accs):.6f}"
