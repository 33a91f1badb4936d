// Placement: the cloud half of a split never runs on a device; device data never reaches the
// cloud; a device bundle never holds a cloud-only model.
import std.vision
import std.data

data mnist = mnist_dataset("data/mnist")
split base = vertical(lenet(10), device_width: 1 / 8)
distill control = base.cloud -> lenet(10) { loss: mse }

role device[4] { data: mnist.train |> partition(label_subset(2)) }
role cloud {
  data: mnist.train
  leak: device.data              // error: E0402 device samples would flow to the cloud
}

for d in device {
  train base.device on d.train minimizing cross_entropy(stop(control(x)) + base.device(x), y)
  train base.cloud on d.train    // error: E0401 `base.cloud` is cloud-only, but this training runs on the device
  train base.device on d.train minimizing cross_entropy(base.cloud(x) + base.device(x), y)  // error: E0401 `base.cloud` is cloud-only
  distill control on d.train     // error: E0401 distilling `control` reads its cloud-only teacher
}

// Enumerating devices keeps their side; one device of a fleet (`device[0]`) is on the device.
for i, d in device {
  train base.cloud on d.train    // error: E0401 `base.cloud` is cloud-only, but this training runs on the device
}
train base.cloud on device[0].train   // error: E0401 `base.cloud` is cloud-only, but this training runs on the device, where `device[0].train` lives
role cloud2 {
  data: cloud.data ++ device[0].train   // error: E0402 device samples would flow to the cloud: `cloud2.data` reads `device[0].train`
}
let mixed = cloud.data ++ device[0].train
role cloud3 { data: mixed }      // error: E0402 device samples would flow to the cloud: `cloud3.data` reads `device[0].train`

bundle phone for device {
  models: [base.device, control, base.cloud]   // error: E0403 `base.cloud` is cloud-only and cannot ship in a device bundle
}
bundle server for cloud { models: [base.cloud, base.device] }
