// A lone `}` in a string must be escaped.
print "a}b"
// error: 2:9 E0013 unmatched `}` in string
