// size_suffix: counts and bytes.
print 1k, 1B
// ast: (print (size 1000 count) (size 1 bytes))
