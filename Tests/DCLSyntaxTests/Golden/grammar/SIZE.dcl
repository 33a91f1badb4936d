// SIZE: a number with a suffix and no space; the value is exact.
let a = 100k
// ast: (let a (size 100000 count))
let b = 1.5G
// ast: (let b (size 1500000000 count))
let c = 0.3k
// ast: (let c (size 300 count))
let d = 1e3k
// ast: (let d (size 1000000 count))
