// COMMENT: line comments and nesting block comments, anywhere between tokens.
let a = /* inline */ 1 // trailing
/* a block
   /* nested */
   comment */
let b = 2
// ast: (let a 1)
// ast: (let b 2)
