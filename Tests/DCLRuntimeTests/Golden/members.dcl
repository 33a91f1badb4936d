// Every kind of value's members, read at run time (the typed table in
// Sources/DCLSema/Catalog/Members.swift, one exhaustive switch per kind in the interpreter).
// seed: 0
import std.data
import std.nn
import std.iciia

let digits = digits_dataset("../../../Examples/data/digits/digits.csv", test: 0.2, seed: 0)
print digits.train.size, digits.train.classes, digits.train.columns  // expect: 1438 10 ["x", "y"]

model net {
  input x: [1, 8, 8]
  features { flatten |> linear(16) |> relu }
  head { linear(10) }
}
let m = net
print m.params, m.flops, m.input_shape, m.output_shape, m.name  // expect: 1210 2410 [1, 8, 8] [10] net
print m.features.output_shape, m.head.name  // expect: [16] net.head

split base = vertical(mlp(shape: [1, 8, 8], hidden: [32], classes: 10), device_width: 1/4)
print base.cloud.params, base.device.params, base.params  // expect: 1810 610 2420
distill control = base.cloud -> mlp(shape: [1, 8, 8], hidden: [8], classes: 10) { loss: mse }
print control.teacher.params == base.cloud.params, control.student.params, control.params  // expect: true 610 610

plugin att = inter_image_attention(m, layers: 1, heads: 2, partitions: 2, memory: 4, min_memory: 2)
print att.memory, att.min_memory, att.backbone.name, att.params == m.params  // expect: 4 2 net true
att.reset()

role device[3] {
  data: digits.train |> partition(iid(), test: 0.5, seed: 2)
}
print device.count, device.train.count, device.test.count  // expect: 3 3 3
for d in device {
  print d.index, d.train.size + d.test.size
}
// expect: 0 480
// expect: 1 479
// expect: 2 479

let r = evaluate(m, on: digits.test)
print r.count, r.accuracy > 0.0, r.loss > 0.0, r.auc == none  // expect: 359 true true true
let fleet = evaluate(m, on: device.test)
print len(fleet.clients), fleet.mean.count, fleet.std.accuracy >= 0.0  // expect: 3 720 true

retrieval nearby {
  coarse: random_users(users: 2, seed: 1)
}
print nearby.fine == none  // expect: true

bundle phone for device {
  models: [m]
}
print phone.name, len(phone.models)  // expect: phone 1
