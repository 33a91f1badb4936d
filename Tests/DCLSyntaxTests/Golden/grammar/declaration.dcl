// declaration: every kind of declaration at the top level.
fn f() { }
// ast: (fn f (params) (body))
model m { }
// ast: (model m (body))
block b()(x) { }
// ast: (block b (params) (inputs x) (body))
data d = src()
// ast: (data d (call src))
split s = vertical(m)
// ast: (split s (call vertical m))
distill c = t -> s
// ast: (distill c t s)
plugin p = attention(heads: 4)
// ast: (plugin p (call attention (arg heads 4)))
retrieval r { k: 1 }
// ast: (retrieval r (field k 1))
role cloud { }
// ast: (role cloud)
bundle phone for device { }
// ast: (bundle phone (for device))
param n: int = 3
// ast: (param n int 3)
