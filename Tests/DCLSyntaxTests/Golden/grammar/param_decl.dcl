// param_decl: a script parameter — a name, a type and a default, all required.
param devices: int = 20
// ast: (param devices int 20)
param lr: float = 1e-3
// ast: (param lr float 0.001)
param name: string = "run"
// ast: (param name string "run")
param quick: bool = false
// ast: (param quick bool false)
param rounds: int = 2 * 3
// ast: (param rounds int (* 2 3))
role device[devices] { }
// ast: (role device (count devices))
