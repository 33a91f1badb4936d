import std.nn
let m = mlp(shape: [4611686018427387904, 4], hidden: [8], classes: 2)
