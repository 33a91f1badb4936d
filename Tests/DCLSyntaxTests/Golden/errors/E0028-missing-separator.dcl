// Statements are separated by a line break or `;`.
let a = 1 let b = 2
// error: 2:11 E0028 expected newline or `;` after the statement, found keyword `let`
print a b
// error: 4:9 E0028 expected newline or `;` after the statement, found `b`
role r { a: 1 b: 2 }
// error: 6:15 E0028 expected newline, `,` or `;` between fields, found `b`
