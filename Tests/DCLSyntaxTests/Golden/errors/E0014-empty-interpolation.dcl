// `{}` in a string has no expression.
print "{}"
// error: 2:8 E0014 empty interpolation `{}`
