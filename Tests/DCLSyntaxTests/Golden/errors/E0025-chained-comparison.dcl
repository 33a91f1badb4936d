// Comparisons do not chain.
let ok = 0 < x < 10
// error: 2:16 E0025 comparison operators cannot be chained
