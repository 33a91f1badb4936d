// Ctrl-C on a terminal. The handler and its counter are C, in their own translation unit
// (Sources/CInterrupt/interrupt.c): a signal handler may only touch a `sig_atomic_t` and call
// write, and the counter must exist exactly once. This type is the one Swift reader of it:
// everything that asks "was Ctrl-C pressed?" asks `Signals.pending`.
//
// While an input runs, the evaluator polls `pending` (through `ReplSession.interruptRequested`)
// between statements, loop iterations and training batches, and stops with `Interrupted`. At the
// prompt the line editor waits on standard input and `wakeDescriptor` together, so a signal
// delivered to any thread (the kernel thread pool's included) still wakes it up.

import CInterrupt
import Foundation

enum Signals {
    /// The read end of the pipe the handler writes a byte to; -1 before `install`.
    private(set) static var wakeDescriptor: Int32 = -1

    /// Installs the SIGINT handler. Returns false (leaving the default action) if it could not.
    static func install() -> Bool {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return false }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        guard dcl_interrupt_install(fds[1]) == 0 else {
            close(fds[0])
            close(fds[1])
            return false
        }
        wakeDescriptor = fds[0]
        return true
    }

    /// Puts back the default action (Ctrl-C ends the process).
    static func uninstall() {
        dcl_interrupt_restore()
    }

    /// Whether Ctrl-C was pressed since the last `clear`.
    static var pending: Bool { dcl_interrupt_count() != 0 }

    /// Called by `clear`.
    static var onClear: () -> Void = {}

    /// Forgets the signals seen so far (before a new prompt or a new input).
    static func clear() {
        onClear()
        if wakeDescriptor >= 0 {
            var buffer = [UInt8](repeating: 0, count: 64)
            while read(wakeDescriptor, &buffer, buffer.count) > 0 {}
        }
        dcl_interrupt_clear()
    }
}
