// SIGTERM and SIGINT for `dcl serve` and `dcl device`: the first one starts a graceful stop
// (the caller's `onFirst`, on a queue of its own, never in a signal handler); a second one ends
// the process at once with 128 + the signal's number, as a shell reports a process a signal
// killed. One mechanism: Dispatch signal sources, with the signals' default actions ignored.

import DCLDriver
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class ShutdownSignals {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "dcl.shutdown-signals")
    private let lock = NSLock()
    private var first: Int32?

    /// The signal that started the stop, if one came.
    var received: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return first
    }

    /// The exit status after a graceful stop: 128 + the signal's number (143 for SIGTERM, 130 for SIGINT).
    static func exitStatus(_ signal: Int32) -> Int32 { 128 + signal }

    static func name(_ signal: Int32) -> String { signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)" }

    init(command: String, onFirst: @escaping (Int32) -> Void) {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [unowned self] in
                self.lock.lock()
                let again = self.first != nil
                if !again { self.first = number }
                self.lock.unlock()
                if again {
                    StandardError.write("dcl \(command): \(Self.name(number)) again: stopping at once\n")
                    Foundation.exit(Self.exitStatus(number))
                }
                onFirst(number)
            }
            source.resume()
            sources.append(source)
        }
    }
}
