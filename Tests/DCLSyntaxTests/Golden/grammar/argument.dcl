// argument: positional or labelled; reserved words make fine labels.
conv2d(6, kernel: 5, pad: 2)
// ast: (call conv2d 6 (arg kernel 5) (arg pad 2))
evaluate(m, on: d.test, data: x)
// ast: (call evaluate m (arg on (. d test)) (arg data x))
