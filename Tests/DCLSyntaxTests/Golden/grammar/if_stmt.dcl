// if_stmt: else-if chains and a final else (a newline before `else` is fine).
if a {
  print 1
} else if b {
  print 2
}
else {
  print 3
}
// ast: (if (a (body (print 1))) (b (body (print 2))) (else (body (print 3))))
