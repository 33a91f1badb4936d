// FLOAT: a fraction, an exponent, or both.
let a = 3.25
// ast: (let a 3.25)
let b = 1e3
// ast: (let b 1000.0)
let c = 2.5e-3
// ast: (let c 0.0025)
