// postfix_expr: calls, fields and indices in any order.
let v = net.layers[0].weight(2)[1]
// ast: (let v (index (call (. (index (. net layers) 0) weight) 2) 1))
let w = cloud.data.train
// ast: (let w (. (. cloud data) train))
