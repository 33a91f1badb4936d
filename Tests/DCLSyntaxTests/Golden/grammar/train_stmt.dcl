// train_stmt: targets, data, optional objective and options.
train base.cloud on cloud.data { epochs: 3, batch: 128 }
// ast: (train ((. base cloud)) (on (. cloud data)) (record (epochs 3) (batch 128)))
train a, b on d minimizing cross_entropy(stop(c(x)) + a(x), y)
// ast: (train (a b) (on d) (minimizing (call cross_entropy (+ (call stop (call c x)) (call a x)) y)))
