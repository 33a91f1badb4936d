// GNU readline (Debian package libreadline-dev), and the REPL's SIGINT handler.
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

// Ctrl-C in the REPL. The handler is written in C because a signal handler may only touch
// `volatile sig_atomic_t` and call async-signal-safe functions (write), which Swift cannot
// promise. It counts the signal and writes one byte to a pipe, so the prompt loop — waiting in
// select() on standard input and that pipe — wakes up whichever thread the signal landed on.
//
// These are `static`: only one Swift file (Sources/DCLRepl/Signals.swift) may use them, or each
// file would get its own copy of the counter in unoptimised builds.

static volatile sig_atomic_t dcl_sigint_count = 0;
static int dcl_sigint_pipe = -1;

static void dcl_sigint_handler(int sig) {
    (void)sig;
    int saved = errno;
    dcl_sigint_count += 1;
    if (dcl_sigint_pipe >= 0) {
        char byte = 1;
        ssize_t ignored = write(dcl_sigint_pipe, &byte, 1);
        (void)ignored;
    }
    errno = saved;
}

/// Installs the handler (without SA_RESTART, so a blocked read returns EINTR) and unblocks
/// SIGINT in the calling thread, which may have inherited a mask that blocks it; `pipe_fd` is
/// the write end of a non-blocking pipe. Returns 0, or -1 with errno set.
static inline int dcl_install_sigint(int pipe_fd) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = dcl_sigint_handler;
    sigemptyset(&action.sa_mask);
    dcl_sigint_pipe = pipe_fd;
    if (sigaction(SIGINT, &action, NULL) != 0) return -1;
    sigset_t interrupt;
    sigemptyset(&interrupt);
    sigaddset(&interrupt, SIGINT);
    return pthread_sigmask(SIG_UNBLOCK, &interrupt, NULL) == 0 ? 0 : -1;
}

/// Puts back the default action (the process ends on Ctrl-C).
static inline void dcl_restore_sigint(void) {
    signal(SIGINT, SIG_DFL);
    dcl_sigint_pipe = -1;
}

static inline int dcl_sigint_pending(void) { return dcl_sigint_count != 0; }

static inline void dcl_sigint_clear(void) { dcl_sigint_count = 0; }
