// distill_decl: teacher -> student, optional options record.
distill control = base.cloud -> mlp([128], classes) { loss: mse }
// ast: (distill control (. base cloud) (call mlp (list 128) classes) (record (loss mse)))
distill small = big -> tiny
// ast: (distill small big tiny)
