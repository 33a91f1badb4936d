// Options records and named choices.
import std.vision
data digits = csv("data/digits/digits.csv")
let net = lenet(10, size: 8)
train net on digits { epoch: 3 } // error: E0217 `train` has no option `epoch`
// hint: did you mean `epochs`?
train net on digits { epochs: "three" }   // error: E0201 option `epochs` expects an int, found string
split s = vertical(net, fuse: prod)        // error: E0215 `prod` is not a choice for `fuse`
split t = vertical(cloud: net)             // error: E0213 `vertical` needs a backbone, or both `cloud:` and `device:`

// `log` is a named choice, bare or quoted; a parameter forwarding it is checked when it runs.
train net on digits { log: epoch }
train net on digits { log: none }
train net on digits { log: "none" }
train net on digits { log: "verbose" }   // error: E0215 `verbose` is not a choice for option `log` of `train`: expected `epoch`, `none`
train net on digits { log: epochs }      // error: E0215 `epochs` is not a choice for option `log` of `train`
// hint: did you mean `epoch`?
train net on digits { log: 3 }           // error: E0201 option `log` of `train` is one of `epoch`, `none`, found int
fn quietly(m: model, d: dataset, log: string = "none") {
  train m on d { log: log }
}

// `train` needs a model instance, not the constructor of a model declared with parameters.
train lenet on digits { epochs: 1 }      // error: E0201 `train` updates models, found model constructor
// hint: construct an instance first: `let net = lenet(…)`, then `train net on …`
