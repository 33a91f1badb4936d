// `else` must follow the `}` of an `if`.
else { print 1 }
// error: 2:1 E0029 `else` without `if`
let after = 2
