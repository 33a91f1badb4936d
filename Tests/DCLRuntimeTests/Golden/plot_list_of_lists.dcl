// Several series are a record, so each has a name for the legend.

plot([[1, 2], [3, 4]], to: "never.svg")  // expect error[E0501]: a list of lists does not name its series; write a record, e.g. `{train: a, test: b}`
