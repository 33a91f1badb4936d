// Quickstart: LeNet-5 from the standard library, trained on MNIST, evaluated, saved.
//   swift run -c release dcl run Examples/quickstart.dcl
import std.vision
import std.data

let mnist = mnist_dataset("data/mnist") // {train, test}, pixels scaled to [0, 1]

let net = lenet(classes: 10)
print net
print summary(net)

train net on mnist.train { epochs: 4, batch: 64, optimizer: adam(lr: 2e-3), schedule: cosine() }

let result = evaluate(net, on: mnist.test)
print "test accuracy {result.accuracy:.2%}, loss {result.loss:.4f} on {result.count} images"
assert(result.accuracy >= 0.985, "LeNet should reach 98.5% on MNIST")

save net to "lenet-mnist.safetensors"
print "weights saved to lenet-mnist.safetensors"
