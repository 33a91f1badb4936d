// Inputs and sections belong directly in a model body.
input x: [1, 28, 28]
// error: 2:1 E0032 `input` declarations are only allowed in a model body
features { relu }
// error: 4:1 E0032 a `features` section is only allowed in a model body
