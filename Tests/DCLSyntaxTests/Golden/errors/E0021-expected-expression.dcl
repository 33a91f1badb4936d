// Operators need a right operand; the next line does not supply it.
let x = 1 +
let y = (2 * )
// error: 3:1 E0021 expected an expression, found keyword `let`
// error: 3:14 E0021 expected an expression, found `)`
