// A \u{…} escape must name a Unicode scalar value.
print "\u{110000}"
// error: 2:8 E0007 `\u{110000}` is not a Unicode scalar value
print "\u{}"
// error: 4:8 E0007 empty unicode escape `\u{}`
print "\u41"
// error: 6:8 E0007 expected `{` after `\u`
