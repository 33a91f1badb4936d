// Script parameters run with their defaults when no `--set` is given. An int default of a float
// param is a float; a param sizes a role and is read like a constant anywhere.
param devices: int = 4
param lr: float = 1
param tag: string = "base"
param quick: bool = true
role device[devices] { }
print devices * 2                        // expect: 8
print lr                                 // expect: 1.0
print "{tag} {quick}"                    // expect: base true
print len(device)                        // expect: 4
