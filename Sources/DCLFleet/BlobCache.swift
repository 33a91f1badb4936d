// A host's objects, fetched at most once each: the first device that needs an object fetches it,
// devices that need it meanwhile wait for that fetch, and later ones find it here. Bounded: past
// `capacity` bytes the least recently fetched objects go (weights change every round, so a run's
// old objects would otherwise pile up).
//
// Waiting is cancellable. A fetch runs in a task of its own (several devices wait for it), and
// awaiting a task's value ignores the waiter's cancellation: a session that ended while the
// service had gone silent mid-fetch (its machine lost, not closed) could not finish, and neither
// could stopping the host. So the cache counts who waits for each fetch; a cancelled waiter
// leaves, and when the last one has left the fetch is cancelled and forgotten, so the next
// session asks afresh.

import Synchronization

final class BlobCache: Sendable {
    private enum Entry {
        case ready([UInt8])
        case loading(Task<[UInt8], any Error>, id: Int, waiters: Int)
    }

    private struct State {
        var entries: [[UInt8]: Entry] = [:]
        /// Ready objects, oldest first, and their total size.
        var order: [[UInt8]] = []
        var bytes = 0
        var fetches = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Objects fetched from the service so far (each distinct one once while it stays cached).
    var fetches: Int { state.withLock { $0.fetches } }

    /// Fetches in flight, and the waits for them (for tests: a cancelled fetch is forgotten).
    var loading: (fetches: Int, waiters: Int) {
        state.withLock { s in
            s.entries.values.reduce(into: (fetches: 0, waiters: 0)) { sum, entry in
                if case .loading(_, _, let waiters) = entry { sum.fetches += 1; sum.waiters += waiters }
            }
        }
    }

    func object(_ ref: BlobRef, fetch: @escaping @Sendable () async throws -> [UInt8]) async throws -> [UInt8] {
        let key = ref.sha256
        enum Found {
            case ready([UInt8])
            case fetching(Task<[UInt8], any Error>, id: Int)
        }
        let found = state.withLock { s -> Found in
            switch s.entries[key] {
            case .ready(let bytes)?:
                return .ready(bytes)
            case .loading(let task, let id, let waiters)?:
                s.entries[key] = .loading(task, id: id, waiters: waiters + 1)
                return .fetching(task, id: id)
            case nil:
                s.fetches += 1
                let task = Task { try await fetch() }
                s.entries[key] = .loading(task, id: s.fetches, waiters: 1)
                return .fetching(task, id: s.fetches)
            }
        }
        switch found {
        case .ready(let bytes):
            return bytes
        case .fetching(let task, let id):
            do {
                let bytes = try await withTaskCancellationHandler {
                    try await task.value
                } onCancel: {
                    leave(key, id: id)
                }
                store(key, bytes)
                return bytes
            } catch {
                // A failed fetch is forgotten, so the next device asks again.
                forget(key, id: id)
                throw error
            }
        }
    }

    /// A waiter of fetch `id` was cancelled: the last one to leave cancels the fetch.
    private func leave(_ key: [UInt8], id: Int) {
        let abandoned = state.withLock { s -> Task<[UInt8], any Error>? in
            guard case .loading(let task, let current, let waiters)? = s.entries[key], current == id else { return nil }
            if waiters > 1 {
                s.entries[key] = .loading(task, id: id, waiters: waiters - 1)
                return nil
            }
            s.entries[key] = nil
            return task
        }
        abandoned?.cancel()
    }

    private func forget(_ key: [UInt8], id: Int) {
        state.withLock { s in
            if case .loading(_, let current, _)? = s.entries[key], current == id { s.entries[key] = nil }
        }
    }

    private func store(_ key: [UInt8], _ bytes: [UInt8]) {
        state.withLock { s in
            if case .ready? = s.entries[key] { return }
            s.entries[key] = .ready(bytes)
            s.order.append(key)
            s.bytes += bytes.count
            // Evict oldest first, but never the object just stored.
            while s.bytes > capacity, s.order.count > 1 {
                let old = s.order.removeFirst()
                if case .ready(let b)? = s.entries[old] { s.bytes -= b.count }
                s.entries[old] = nil
            }
        }
    }
}
