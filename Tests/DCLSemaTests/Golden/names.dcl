// Unknown names get a "did you mean" hint; StdLib names suggest their import.
import std.vision

let net = lenett(10)      // error: E0100 unknown name `lenett`
// hint: did you mean `lenet`?
let p = mlp()             // error: E0100 unknown name `mlp`
// hint: `mlp` is defined in `std.nn`; add `import std.nn`
print nett                // error: E0100 unknown name `nett`
