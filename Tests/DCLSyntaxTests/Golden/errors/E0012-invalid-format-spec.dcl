// The format spec after `:` in an interpolation: [<|>|^][width][.precision][f|e|%|d|s].
print "{acc:.2x}"
// error: 2:13 E0012 invalid format spec `.2x`
print "{n:>>4}"
// error: 4:11 E0012 invalid format spec `>>4`
