// Mutual exclusion across suspension points. A `Mutex` cannot be held over an `await` (the store
// is asynchronous: PostgreSQL answers over the network), and an actor does not serialise either:
// it is re-entered at every `await` inside it. Waiters are served first come, first served.

import Synchronization

final class AsyncLock: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    /// Runs `body` with the lock held; the next waiter gets it when `body` returns or throws.
    /// Not cancellable while waiting: the critical sections are short store transactions, and a
    /// waiter given up would have to be found and removed from the queue.
    func withLock<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        let acquired = state.withLock { s -> Bool in
            if s.held { return false }
            s.held = true
            return true
        }
        if acquired { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                // Released between the first look and here: take it.
                if !s.held {
                    s.held = true
                    return true
                }
                s.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func release() {
        // Handing over keeps `held` set: the woken waiter owns the lock.
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.held = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
