// mode: check
// Check mode reads no data, so a role's `.train` and `.test` are unknown — not an error that
// would silently end the loop asking for them and leave `accs` empty below.
import std.data

role device[2] {
  data: csv("nowhere.csv", label: "label") |> partition(iid())
}
var accs = []
for i in [1, 2] {
  let part = device.test
  accs += [i]
}
assert(len(accs) == 2, "the loop ran to its end")
print accs[1]
