// string_char: anything but a quote, backslash, brace or newline, including non-ASCII.
print "héllo, wörld — ✓ 😀 (done); [ok] 100%"
// ast: (print "héllo, wörld — ✓ 😀 (done); [ok] 100%")
