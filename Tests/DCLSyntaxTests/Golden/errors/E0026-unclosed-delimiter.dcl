// error: 4:1 E0026 expected `)` to close `(`, found keyword `let`
// error: 5:1 E0026 expected `]` to close `[`, found end of file
let a = f(1, 2
let b = [1, 2
