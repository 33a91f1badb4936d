// An exponent needs digits.
let x = 1e
// error: 2:9 E0009 malformed number `1e`: expected digits after the exponent
let y = 2.5e+
// error: 4:9 E0009 malformed number `2.5e+`: expected digits after the exponent
