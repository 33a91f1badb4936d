// Integers are 64-bit; floats must be finite.
let big = 9223372036854775808
// error: 2:11 E0008 integer `9223372036854775808` is too large
let huge = 1e400
// error: 4:12 E0008 number `1e400` is too large
