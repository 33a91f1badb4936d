// Why fastbins are off: glibc keeps small freed blocks in fastbins without coalescing them and
// merges them all in one sweep (`malloc_consolidate`) on the next large request. Elaborating
// models frees small blocks in bursts (names, shapes, graph nodes), and those sweeps took
// ~15 % of `dcl check` on the parse benchmark; without fastbins the per-thread cache still
// serves the hot sizes and a freed block is merged while it is still in cache. Measured side
// by side (BENCHMARKS.md, "Check speed"): parse+check ~8 % faster, the examples unchanged
// (their tensors are large blocks fastbins never held). mallopt is not in Swift's Glibc
// module, hence this file.
#include "dcl_allocator.h"

#include <stdlib.h>  // defines __GLIBC__ on glibc (through <features.h>)
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int dcl_allocator_configure(void) {
#if defined(__GLIBC__)
    return mallopt(M_MXFAST, 0) == 1 ? 1 : 0;
#else
    return 0;
#endif
}
