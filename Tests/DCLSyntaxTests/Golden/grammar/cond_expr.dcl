// cond_expr: a `{` ends the condition instead of opening a record.
if ready { go() }
// ast: (if (ready (body (call go))))
while check({ tries: 3 }) { }
// ast: (while (call check (record (tries 3))) (body))
for k in keys(cfg) { }
// ast: (for k (call keys cfg) (body))
