// The interpreter is synchronous and runs on its own thread; the fleet is async. `blocking` runs
// an async operation to completion from such a thread. It must not be called from inside Swift
// concurrency (a task or an actor): it would park one of the few cooperative threads the
// operation itself may need.

import Foundation
import Synchronization

/// A value set once by one thread and read by another (after a semaphore orders the two).
final class Slot<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func set(_ v: T) { value.withLock { $0 = v } }
    func get() -> T? { value.withLock { $0 } }
}

public func blocking<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Slot<Result<T, any Error>>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { outcome.set(.success(try await operation())) } catch { outcome.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    // The task stored a value before signalling.
    return try outcome.get()!.get()
}
