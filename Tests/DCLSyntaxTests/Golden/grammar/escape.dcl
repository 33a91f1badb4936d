// escape: every escape sequence.
print "\n\t\r\0\\\"\{\}\u{41}\u{1F600}"
// ast: (print "\n\t\r\u{0}\\\"{}A😀")
