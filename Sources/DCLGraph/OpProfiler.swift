// Time per primitive op, for `dcl run --profile`. The executor's run loop calls `record` once per
// node when `ExecutionOptions.profiler` is set; when it is nil the loop pays one nil check per
// node and nothing else. Totals are kept by op name (a fused op under its fused name), so the
// table has the same rows on every run of a script; only the times vary.

import Foundation

public final class OpProfiler: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public let op: String
        public let calls: Int
        public let nanoseconds: UInt64
    }

    // Executors run one at a time today, but a lock keeps totals right if two ever overlap
    // (a node's kernel uses the pool's threads; the record call is made on the caller's).
    private let lock = NSLock()
    private var totals: [String: (calls: Int, nanoseconds: UInt64)] = [:]

    public init() {}

    /// Monotonic nanoseconds, the clock `record` measures with.
    @inline(__always)
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Adds one call of `op` that started at `start` (a `now()` reading) and ends now.
    public func record(_ op: String, since start: UInt64) {
        let elapsed = Self.now() &- start
        lock.lock()
        let t = totals[op] ?? (0, 0)
        totals[op] = (t.calls + 1, t.nanoseconds &+ elapsed)
        lock.unlock()
    }

    /// Every op seen, most time first (ties by name, so the order is stable).
    public var entries: [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return totals.map { Entry(op: $0.key, calls: $0.value.calls, nanoseconds: $0.value.nanoseconds) }
            .sorted { $0.nanoseconds != $1.nanoseconds ? $0.nanoseconds > $1.nanoseconds : $0.op < $1.op }
    }
}
