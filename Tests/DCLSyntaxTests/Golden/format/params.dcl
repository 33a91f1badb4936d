// Script parameters: `param NAME: TYPE = DEFAULT`, spaced like a typed `let`.
param   devices :int=20 // how many devices
param lr:float = 1e-3
param tag: string="run"
param rounds: int = /* a product */ 2*3
role device[devices] { data: d }
