// distill_stmt: a postfix expression names the distillation.
distill control on cloud.data { epochs: 3 }
// ast: (distill-run control (on (. cloud data)) (record (epochs 3)))
distill pairs[0] on d
// ast: (distill-run (index pairs 0) (on d))
