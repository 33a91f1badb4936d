// A model body describes layers.
model m {
  print 1
  while true { }
}
// error: 3:3 E0033 `print` is not allowed in a model body
// error: 4:3 E0033 `while` is not allowed in a model body
