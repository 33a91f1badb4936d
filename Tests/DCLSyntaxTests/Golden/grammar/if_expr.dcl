// if_expr: always with `else`; chains through `else if`.
let v = if a { 1 } else { 2 }
// ast: (let v (if-expr a 1 2))
let w = if a { 1 } else if b { 2 } else { 3 }
// ast: (let w (if-expr a 1 (if-expr b 2 3)))
let x = if a {
  1
} else {
  2
}
// ast: (let x (if-expr a 1 2))
