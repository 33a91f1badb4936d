// size_suffix: counts, bytes and durations.
print 1k, 1B, 1s
// ast: (print (size 1000 count) (size 1 bytes) (size 1.0 duration))
