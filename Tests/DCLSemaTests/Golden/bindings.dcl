// Use before definition, assignment to `let`, and scopes.
print later                      // error: E0108 `later` is used before its definition
let later = 1
let fixed = 2
fixed = 3                        // error: E0107 cannot assign to `fixed`: it is not a `var`
var count = 0
count += 1
count = "many"                   // error: E0201 `count` holds int, cannot assign string
