// Wakes long-polls and waiting rounds when the store changes (a round opens, a result arrives, a
// device joins), instead of each waiter re-reading the store on a timer. Waiters remember the
// generation they last saw; a bump between their read and their wait is never lost.

import Synchronization

final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waiters released (timed out or cancelled) before they parked.
        var released: Set<UInt64> = []
    }

    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    /// Wakes every waiter.
    func bump() {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.generation &+= 1
            let all = Array(s.waiters.values)
            s.waiters.removeAll()
            return all
        }
        for c in woken { c.resume() }
    }

    /// Returns once the generation differs from `seen`, or `timeout` passed, or the task is
    /// cancelled, whichever comes first.
    func wait(seen: UInt64, timeout: Duration) async {
        let id = state.withLock { s -> UInt64 in
            s.nextWaiter &+= 1
            return s.nextWaiter
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.park(id, seen: seen) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.release(id)
            }
            await group.next()
            group.cancelAll()
            self.release(id)
            await group.waitForAll()
        }
        state.withLock { _ = $0.released.remove(id) }
    }

    private func park(_ id: UInt64, seen: UInt64) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.generation != seen || s.released.contains(id) { return true }
                s.waiters[id] = c
                return false
            }
            if resumeNow { c.resume() }
        }
    }

    private func release(_ id: UInt64) {
        let c = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let c = s.waiters.removeValue(forKey: id) { return c }
            s.released.insert(id)
            return nil
        }
        c?.resume()
    }
}
