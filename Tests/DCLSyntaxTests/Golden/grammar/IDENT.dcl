// IDENT: letters, digits and `_`, not starting with a digit.
let _private = 1
// ast: (let _private 1)
let camelCase2 = x_1
// ast: (let camelCase2 x_1)
