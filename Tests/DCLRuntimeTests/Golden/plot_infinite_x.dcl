// An infinite x value is refused like NaN (a record series gives its own x).

plot({loss: {x: [1.0, float("inf")], y: [2, 1]}}, to: "never.svg")  // expect error[E0503]: series `loss` has inf at index 1 (x); plotted values must be finite
