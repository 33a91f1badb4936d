// `plot`, `predict`, `confusion_matrix` and `save` of values, checked against the catalog.
let accs = [0.81, 0.84, 0.8]
plot(accs, to: "fig.svg", kind: box, title: "per-device accuracy")
plot({a: accs, b: accs}, to: "fig.png", kind: "bars")   // error: E0215 `bars` is not a choice for `kind` of `plot`
// hint: did you mean `bar`?
plot(accs, to: "fig.svg", kind: pie)                    // error: E0215 `pie` is not a choice for `kind` of `plot`
plot(accs, to: "fig.svg", title: 3)                     // error: E0201 `title` of `plot` expects a string, found int
plot(accs)                                              // error: E0202 `plot` is missing argument `to`
plot(accs, to: "fig.svg", log_y: "yes")                 // error: E0201 `log_y` of `plot` expects a bool, found string

model net {
  input x: [4]
  linear(3)
}
let p = predict(net, on: 3)
let cm = confusion_matrix(net)                          // error: E0202 `confusion_matrix` is missing argument `on`
save accs to "accs.npy"
save [{name: "a", acc: 0.5}] to "table.csv"
save 3 to "three.csv"                                   // error: E0201 only models and bundles (their weights) and lists (as .csv or .npy) can be saved, found int
load accs from "accs.npy"                               // error: E0201 only the weights of models and bundles can be saved or loaded
