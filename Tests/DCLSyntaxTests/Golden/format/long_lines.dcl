// Lines longer than 100 columns break where the grammar lets a line continue.
split base = vertical(resnet(depth: 8, width: 64, classes: classes), device_width: 1/8, fuse: sum, seed: 1)
let widths = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288]
h = x |> conv2d(c, 3, pad: 1) |> batchnorm |> relu |> conv2d(c, 3, pad: 1) |> batchnorm |> relu |> dropout(0.5)
let loss = cross_entropy_weight * cross_entropy(logits, labels) + l2_weight * l2(params) + kl_weight * kl(p, q)
let ok = first_condition_is_true and second_condition_is_true or third_condition_is_true and fourth_one
let picked = [transform(sample, augment: true) for sample in training_samples if accepted(sample, threshold: 0.5)]
let choice = if use_large_model_variant { build_large_model(classes) } else { build_small_model(classes, width) }
fn configure(learning_rate: float = 0.001, batch_size: int = 128, epochs: int = 10, weight_decay: float = 0.0005) {
  return { learning_rate: learning_rate, batch_size: batch_size, epochs: epochs, weight_decay: weight_decay, x: 1 }
}
role device[50] { data: mnist |> drop(0.5) |> partition(label_subset(3), seed: 1), budget: standard_budget(1) }
train base.cloud on cloud.data { epochs: 3, batch: 128, optimizer: sgd(lr: 0.01, momentum: 0.9, weight_decay: 5e-4) }
print "a long message that cannot be broken because strings stay on one line, whatever their length is", x
