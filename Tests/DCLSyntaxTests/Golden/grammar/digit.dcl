// digit
let d = 0123456789
// ast: (let d 123456789)
