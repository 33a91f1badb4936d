// `assert` stops the run with its message.

assert(2 > 1, "two is above one")
assert(1 > 2, "one is not above two")  // expect error[E0506]: one is not above two
