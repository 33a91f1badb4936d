// A character that starts no token; a run of them is one error.
let total = a @ b
// error: 2:15 E0002 unexpected character `@`
let both = a && b
// error: 4:14 E0002 unexpected characters `&&`
