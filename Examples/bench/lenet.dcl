// LeNet-5 from the StdLib, for `dcl bench train --model Examples/bench/lenet.dcl`.
import std.vision
let net = lenet(10)
