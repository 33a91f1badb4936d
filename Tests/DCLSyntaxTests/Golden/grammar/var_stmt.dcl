// var_stmt
var total = 0
// ast: (var total 0)
var names: list[str] = []
// ast: (var names (: (list str)) (list))
