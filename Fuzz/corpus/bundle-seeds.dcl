// The script the bundle seeds (Fuzz/corpus/bundle/raw-*, sealed-*) were compiled from:
// `dcl compile Fuzz/corpus/bundle-seeds.dcl -o DIR`, then each .dclb prefixed with byte 0 (raw)
// or unzipped into the sealed form (byte 1, then "\n@@entry NAME\n" + bytes per entry).
import std.nn
import std.rec
import std.vision

model tinyconv(classes: int = 3) {
  input x: [1, 6, 6]
  features {
    conv2d(2, kernel: 3, pad: 1) |> batchnorm |> relu |> maxpool(2)
    flatten
  }
  head {
    linear(classes)
  }
}

let small = mlp(shape: [3], hidden: [4], classes: 2)
let rec = logistic(users: 5, items: 7)
let conv = tinyconv()
let mob = mobilenet(width: 2, classes: 2, size: 8, strides: [2])

role device[2] { }
bundle plain for device { models: [small, rec, conv] }
bundle q8 for device { models: [small, conv], quantize: int8 }
bundle h16 for device { models: [small, mob], quantize: f16 }
