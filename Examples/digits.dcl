// LeNet-style training on the UCI 8×8 handwritten digits shipped in Examples/data/digits.
// Runs in seconds: swift run -c release dcl run Examples/digits.dcl
import std.data

let digits = digits_dataset("data/digits/digits.csv", test: 0.2, seed: 0)

// A small convolutional network for 8×8 images.
model small_cnn(classes: int = 10) {
  input x: [1, 8, 8]
  features {
    conv2d(16, kernel: 3, pad: 1) |> relu
    conv2d(32, kernel: 3, pad: 1) |> relu |> maxpool(2)
    flatten |> linear(64) |> relu
  }
  head {
    linear(classes)
  }
}

let net = small_cnn(10)
print net
train net on digits.train { epochs: 15, batch: 32, optimizer: adam(lr: 2e-3) }
let result = evaluate(net, on: digits.test)
print "test accuracy {result.accuracy:.4f}, loss {result.loss:.4f} on {result.count} digits"
