// An escape the language does not define.
print "tab\q"
// error: 2:11 E0006 invalid escape sequence `\q`
