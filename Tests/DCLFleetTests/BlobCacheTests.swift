// A host's object cache when a fetch never finishes (the service's machine went silent with the
// connection open): the devices waiting for it must be able to stop, or neither their session
// nor the host ends.

import Synchronization
import Testing
@testable import DCLFleet

@Suite(.timeLimit(.minutes(2))) struct BlobCacheTests {
    private let ref = BlobRef(sha256: [UInt8](repeating: 7, count: 32), size: 3)

    /// A fetch that waits until it is cancelled, counting its starts and cancellations.
    private final class StalledFetch: Sendable {
        let starts = Mutex(0)
        let cancellations = Mutex(0)

        func run() async throws -> [UInt8] {
            starts.withLock { $0 += 1 }
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                cancellations.withLock { $0 += 1 }
                throw error
            }
            return []
        }
    }

    /// Waits (a bounded time) until `condition` holds.
    private func eventually(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    }

    /// The result of `task`, or nil if it did not end within 20 s (before the fix, cancelled
    /// waiters kept waiting for the fetch forever). Polled, not awaited in a task group: a group
    /// waits for its children, and a child stuck in `task.result` would never end.
    private func result(of task: Task<Void, any Error>) async throws -> Result<Void, any Error>? {
        let ended = Mutex<Result<Void, any Error>?>(nil)
        Task { let r = await task.result; ended.withLock { $0 = r } }
        try await eventually { ended.withLock { $0 } != nil }
        return ended.withLock { $0 }
    }

    @Test func cancellingEveryWaiterEndsAStalledFetchAndTheNextAsksAfresh() async throws {
        let cache = BlobCache(capacity: 1 << 20)
        let stalled = StalledFetch()
        let waiters = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 { group.addTask { _ = try await cache.object(ref) { try await stalled.run() } } }
                try await group.waitForAll()
            }
        }
        try await eventually { stalled.starts.withLock { $0 } == 1 && cache.loading.waiters == 3 }
        waiters.cancel()
        let ended = try await result(of: waiters)
        #expect(ended != nil, "cancelled waiters still wait for a fetch that never finishes")
        if case .success? = ended { Issue.record("the waiters got an object that was never fetched") }
        try await eventually { stalled.cancellations.withLock { $0 } == 1 }
        #expect(stalled.starts.withLock { $0 } == 1, "three waiters, one fetch")
        #expect(stalled.cancellations.withLock { $0 } == 1, "the abandoned fetch is cancelled")
        #expect(cache.loading.fetches == 0)
        // (Without the fix the stalled fetch is still there: asking again would wait forever.)
        guard cache.loading.fetches == 0 else { return }
        // The cancelled fetch is forgotten: the next request fetches again, and succeeds.
        let bytes = try await cache.object(ref) { [1, 2, 3] }
        #expect(bytes == [1, 2, 3])
        #expect(cache.fetches == 2)
    }

    @Test func aFetchGoesOnForTheWaitersThatRemain() async throws {
        let cache = BlobCache(capacity: 1 << 20)
        let release = Mutex(false)
        let fetch: @Sendable () async throws -> [UInt8] = {
            while !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(2)) }
            return [9, 9, 9]
        }
        let leaving = Task { _ = try await cache.object(ref, fetch: fetch) }
        try await eventually { cache.loading.waiters == 1 }
        let staying = Task { try await cache.object(ref, fetch: fetch) }
        try await eventually { cache.loading.waiters == 2 }
        leaving.cancel()
        try await eventually { cache.loading.waiters == 1 }
        #expect(cache.loading.waiters == 1, "the cancelled waiter left")
        #expect(cache.loading.fetches == 1, "one waiter left; the fetch goes on for the other")
        release.withLock { $0 = true }
        #expect(try await staying.value == [9, 9, 9])
        #expect(cache.fetches == 1)
        // The cancelled waiter stopped waiting, or got the object when it came: never an error
        // other than its cancellation.
        switch await leaving.result {
        case .success: break
        case .failure(let error): #expect(error is CancellationError)
        }
    }
}
