// exponent: either case, optional sign.
let a = 1E2
// ast: (let a 100.0)
let b = 1e+2
// ast: (let b 100.0)
let c = 5e-1
// ast: (let c 0.5)
