// assign_stmt: every assignment operator.
x = 1
// ast: (= x 1)
x += 2
// ast: (+= x 2)
x -= 3
// ast: (-= x 3)
x *= 4
// ast: (*= x 4)
x /= 5
// ast: (/= x 5)
