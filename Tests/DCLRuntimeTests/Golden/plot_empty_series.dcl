// `plot` refuses an empty series, naming it.

plot({acc: [0.5, 0.6], loss: []}, to: "never.svg")  // expect error[E0503]: series `loss` is empty
