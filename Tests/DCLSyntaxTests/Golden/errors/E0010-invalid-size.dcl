// A size must be a whole number after scaling, and fit in 64 bits.
let a = 1.5B
// error: 2:9 E0010 size `1.5B` is not a whole number
let b = 0.0001k
// error: 4:9 E0010 size `0.0001k` is not a whole number
let c = 99999999999T
// error: 6:9 E0010 size `99999999999T` is too large
