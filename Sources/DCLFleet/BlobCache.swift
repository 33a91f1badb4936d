// A host's objects, fetched at most once each: the first device that needs an object fetches it,
// devices that need it meanwhile wait for that fetch, and later ones find it here. Bounded: past
// `capacity` bytes the least recently fetched objects go (weights change every round, so a run's
// old objects would otherwise pile up).

import Synchronization

final class BlobCache: Sendable {
    private enum Entry {
        case ready([UInt8])
        case loading(Task<[UInt8], any Error>)
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

    /// Objects fetched from the service so far (each distinct object once while it stays cached).
    var fetches: Int { state.withLock { $0.fetches } }

    func object(_ ref: BlobRef, fetch: @escaping @Sendable () async throws -> [UInt8]) async throws -> [UInt8] {
        let found = state.withLock { s -> Entry in
            if let entry = s.entries[ref.sha256] { return entry }
            let task = Task { try await fetch() }
            s.entries[ref.sha256] = .loading(task)
            s.fetches += 1
            return .loading(task)
        }
        let task: Task<[UInt8], any Error>
        switch found {
        case .ready(let bytes): return bytes
        case .loading(let loading): task = loading
        }
        do {
            let bytes = try await task.value
            store(ref.sha256, bytes)
            return bytes
        } catch {
            // A failed fetch is forgotten, so the next device asks again.
            state.withLock { s in
                if case .loading? = s.entries[ref.sha256] { s.entries[ref.sha256] = nil }
            }
            throw error
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
