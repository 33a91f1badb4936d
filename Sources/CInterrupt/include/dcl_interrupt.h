// Ctrl-C for the REPL: one SIGINT counter, its handler, and the functions that read it.
//
// Only declarations live here. The counter is defined once, in interrupt.c: a `static` variable
// in a header would be a separate copy in every translation unit that includes it (and every
// Swift module or file that imports it), so the handler could count into one copy while the
// evaluator polls another and never sees the interrupt.
#ifndef DCL_INTERRUPT_H
#define DCL_INTERRUPT_H

/// Installs the SIGINT handler (without SA_RESTART, so a blocked read returns EINTR) and
/// unblocks SIGINT in the calling thread, which may have inherited a mask that blocks it.
/// `wake_fd` is the write end of a non-blocking pipe the handler writes one byte to, or -1.
/// Returns 0, or -1 with errno set.
int dcl_interrupt_install(int wake_fd);

/// Puts back the default action (the process ends on Ctrl-C) and forgets the wake pipe.
void dcl_interrupt_restore(void);

/// How many SIGINTs arrived since the last `dcl_interrupt_clear` (saturates, never wraps).
int dcl_interrupt_count(void);

/// Forgets the SIGINTs seen so far.
void dcl_interrupt_clear(void);

#endif
