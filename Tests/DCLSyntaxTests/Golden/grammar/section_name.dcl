// section_name: stem, features and head — ordinary names elsewhere.
model m {
  stem { a }
  features { b }
  head { c }
}
// ast: (model m (body (section stem (body a)) (section features (body b)) (section head (body c))))
let head = stem + features
// ast: (let head (+ stem features))
