// error: 3:1 E0005 unterminated block comment
let a = 1
/* this comment never ends
let b = 2
