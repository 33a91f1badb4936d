// The process's allocator settings, made once at start-up by the `dcl` executable.
#ifndef DCL_ALLOCATOR_H
#define DCL_ALLOCATOR_H

/// Turns off glibc's fastbins (`mallopt(M_MXFAST, 0)`); a no-op where the C library is not
/// glibc. Returns 1 when the setting was applied, 0 otherwise.
int dcl_allocator_configure(void);

#endif
