// byte_suffix: decimal and binary multiples.
print 1B, 1KB, 1MB, 1GB, 1KiB, 1MiB, 1GiB
// ast: (print (size 1 bytes) (size 1000 bytes) (size 1000000 bytes) (size 1000000000 bytes) (size 1024 bytes) (size 1048576 bytes) (size 1073741824 bytes))
