// The benchmark MLP (784-256-128-10) written in dcl, for `dcl bench train --model Examples/bench/mlp.dcl`.
import std.nn
let net = mlp(shape: [784], hidden: [256, 128], classes: 10)
