// compare_op: all six.
print a == b, a != b, a < b, a <= b, a > b, a >= b
// ast: (print (== a b) (!= a b) (< a b) (<= a b) (> a b) (>= a b))
