// Reserved words cannot name things (contextual words such as `input` can).
let model = 1
// error: 2:5 E0022 `model` is a keyword and cannot be used as a name
fn data() { }
// error: 4:4 E0022 `data` is a keyword and cannot be used as a name
let input = 2
// ast: (let model 1)
// ast: (fn data (params) (body))
// ast: (let input 2)
