// A test trait for tests that block their thread (waiting for child processes, sleeping in
// polling loops, `blocking { }` bridges): their bodies run on threads of their own, not on Swift
// concurrency's cooperative pool.
//
// Why: the pool has one thread per core — two on CI's machine. Sync tests that block hold those
// threads for tens of seconds, and on Linux the whole suite then stalled in about half of CI's
// runs: every test suspended, no pool thread left, nothing running again (libdispatch's pool
// lost track of its threads while blocked ones were compensated for). Run off the pool, a
// blocking test no longer holds a pool thread at all.

import Foundation
import Testing

/// Runs each job on a new thread (tests block for seconds; a thread per job costs nothing next
/// to that, and a job never waits for a busy thread).
public final class ThreadPerJobExecutor: TaskExecutor {
    public static let shared = ThreadPerJobExecutor()

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let thread = Thread { job.runSynchronously(on: executor) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// `.ownThreads`: the test (or every test of the suite) runs with `ThreadPerJobExecutor` as its
/// task executor preference, so its synchronous body runs on a thread of its own.
public struct OwnThreadsTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(ThreadPerJobExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OwnThreadsTrait {
    /// Runs the test's body off the cooperative pool (it blocks its thread).
    public static var ownThreads: Self { OwnThreadsTrait() }
}
