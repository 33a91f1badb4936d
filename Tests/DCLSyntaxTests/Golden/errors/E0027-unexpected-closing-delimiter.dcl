// A closing bracket with no opening one.
let a = 1
}
// error: 3:1 E0027 unexpected `}`
)
// error: 5:1 E0027 unexpected `)`
