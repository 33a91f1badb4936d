// while_stmt
while n > 0 {
  n -= 1
}
// ast: (while (> n 0) (body (-= n 1)))
