// DC-CCL: a base model split vertically between cloud and device, a control model distilled
// from the cloud half, and collaborative rounds on the devices.
import std.vision
import "lib/fusion.dcl" as fusion

let classes = 10
let rounds = 10

data mnist = idx(images: "data/mnist/train-images-idx3-ubyte.gz",
                 labels: "data/mnist/train-labels-idx1-ubyte.gz") |> scale(1/255)

block residual(c: int, stride: int = 1)(x) {   // DAG form: named values, any wiring
  h = x |> conv2d(c, 3, pad: 1, stride: stride) |> batchnorm |> relu
  h = h |> conv2d(c, 3, pad: 1) |> batchnorm
  skip = if stride == 1 { x } else { x |> conv2d(c, 1, stride: stride) }
  return relu(h + skip)
}

model resnet(depth: int = 8, width: int = 64, classes: int = 10) {
  input x: f32[1, 28, 28]
  stem { conv2d(width, 3, pad: 1) |> batchnorm |> relu }
  features {
    for stage in 0..3 {
      let c = width * 2 ** stage
      for i in 0..depth / 3 {
        residual(c, stride: if i == 0 and stage > 0 { 2 } else { 1 })
      }
    }
  }
  head { global_avg_pool |> flatten |> linear(classes) }
}

split base = vertical(resnet(depth: 8, width: 64, classes: classes), device_width: 1/8, fuse: sum)
// or heterogeneous:
split pair = vertical(cloud: resnet(depth: 20), device: mobilenet_micro(classes: classes), fuse: fusion.sum)

distill control = base.cloud -> mlp([128], classes) { loss: mse, optimizer: adam(lr: 1e-3) }

role cloud { data: mnist |> take(0.5) }
role device[50] {
  data: mnist |> drop(0.5) |> partition(label_subset(3), seed: 1)
  budget { params: 100k, flops: 2M, memory: 1MiB }
}

train base.cloud on cloud.data { epochs: 3, batch: 128, optimizer: sgd(lr: 0.01, momentum: 0.9, weight_decay: 5e-4) }
distill control on cloud.data { epochs: 3 }

for round in 0..rounds {
  for d in device {
    // control is frozen: only the device half learns
    train base.device on d.train minimizing cross_entropy(stop(control(x)) + base.device(x), y) { epochs: 1 }
  }
  base.device = average(base.device, weights: [0.5, 0.5])
  print "round {round + 1}/{rounds}: acc {evaluate(base, on: device.test):.3f}"
}

bundle phone for device { models: [base.device, control], export: [dclb, onnx] }
bundle server for cloud { models: [base.cloud, base.device] }
save base to "out/base.dclb"
