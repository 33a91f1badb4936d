// zlib (Debian package zlib1g-dev): gzip data files and deflate.
#include <zlib.h>
