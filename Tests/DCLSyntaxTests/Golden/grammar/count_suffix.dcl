// count_suffix: k, K, M, G, T.
print 1k, 1K, 1M, 1G, 1T
// ast: (print (size 1000 count) (size 1000 count) (size 1000000 count) (size 1000000000 count) (size 1000000000000 count))
