// INT
let a = 0
// ast: (let a 0)
let b = 9223372036854775807
// ast: (let b 9223372036854775807)
