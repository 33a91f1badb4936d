// A log scale needs positive values; the error points at `log_y`.

plot({loss: [2.0, 0.5, 0]}, to: "never.svg",
     log_y: true)  // expect error[E0503]: `log_y` needs positive values, series `loss` has 0 at index 2
