// time_suffix: durations, in seconds as floats (fractions allowed).
print 250ms, 1.5s, 2min, 1h
// ast: (print (size 0.25 duration) (size 1.5 duration) (size 120.0 duration) (size 3600.0 duration))
