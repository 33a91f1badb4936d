// power: right-associative, tighter than unary minus on its left.
let v = 2 ** 3 ** 2
// ast: (let v (** 2 (** 3 2)))
let w = -x ** 2
// ast: (let w (neg (** x 2)))
let z = 10 ** -3
// ast: (let z (** 10 (neg 3)))
