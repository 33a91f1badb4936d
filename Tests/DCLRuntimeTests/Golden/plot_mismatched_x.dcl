// Shared x values must match every series' length; the error points at `x`.

let acc = [0.5, 0.6]
plot({acc: acc},
     to: "never.svg",
     x: [1, 2, 3])  // expect error[E0503]: series `acc` has 2 y values but 3 x values
