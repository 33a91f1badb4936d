// digits: `_` separates groups anywhere after the first digit.
let a = 1_000_000
// ast: (let a 1000000)
let b = 1__2_
// ast: (let b 12)
