// The one definition of the REPL's SIGINT counter (see dcl_interrupt.h for why it must be one).
//
// The handler is C because a signal handler may only touch `volatile sig_atomic_t` objects and
// call async-signal-safe functions (write), which Swift cannot promise. It counts the signal and
// writes a byte to a pipe, so the prompt loop — polling standard input and that pipe — wakes up
// whichever thread the signal landed on.

#include "dcl_interrupt.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t interrupt_count = 0;
static volatile sig_atomic_t wake_pipe = -1;

static void handle_sigint(int sig) {
    (void)sig;
    int saved = errno;
    // sig_atomic_t may be as small as 8 bits: saturate rather than wrap back to "no interrupt".
    if (interrupt_count < 100) interrupt_count = interrupt_count + 1;
    int fd = wake_pipe;
    if (fd >= 0) {
        char byte = 1;
        ssize_t ignored = write(fd, &byte, 1);
        (void)ignored;
    }
    errno = saved;
}

int dcl_interrupt_install(int wake_fd) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handle_sigint;
    sigemptyset(&action.sa_mask);
    wake_pipe = wake_fd;
    if (sigaction(SIGINT, &action, NULL) != 0) return -1;
    sigset_t interrupt;
    sigemptyset(&interrupt);
    sigaddset(&interrupt, SIGINT);
    int rc = pthread_sigmask(SIG_UNBLOCK, &interrupt, NULL);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return 0;
}

void dcl_interrupt_restore(void) {
    signal(SIGINT, SIG_DFL);
    wake_pipe = -1;
}

int dcl_interrupt_count(void) { return interrupt_count; }

void dcl_interrupt_clear(void) { interrupt_count = 0; }
