// let_stmt
let x = 1
// ast: (let x 1)
let y: float = 2.5
// ast: (let y (: float) 2.5)
