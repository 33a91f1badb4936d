// An `if` used as a value needs a value for both cases.
let v = if ready { 1 }
// error: 2:9 E0031 an `if` expression needs an `else` branch
