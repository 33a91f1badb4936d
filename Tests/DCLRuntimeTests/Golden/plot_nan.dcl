// Non-finite values cannot be placed on an axis: the series and index are named.

let ys = [1.0, 2.0, float("nan")]
print len(ys)                              // expect: 3
plot(ys, to: "never.png", kind: scatter)   // expect error[E0503]: the series has nan at index 2 (y); plotted values must be finite
