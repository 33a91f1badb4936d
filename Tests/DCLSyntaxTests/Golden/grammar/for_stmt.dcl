// for_stmt: one or two loop variables.
for x in xs { print x }
// ast: (for x xs (body (print x)))
for i, x in enumerate(xs) { print i, x }
// ast: (for (i x) (call enumerate xs) (body (print i x)))
for d in device { train m on d.train }
// ast: (for d device (body (train (m) (on (. d train)))))
