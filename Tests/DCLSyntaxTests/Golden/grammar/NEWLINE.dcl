// NEWLINE: \n or \r\n ends a statement.
let a = 1
let b = 2
// ast: (let a 1)
// ast: (let b 2)
