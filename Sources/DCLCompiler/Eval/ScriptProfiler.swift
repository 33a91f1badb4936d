// Time per script construct, for `dcl run --profile`: each top-level statement, each declaration
// evaluated on first use (a `role`'s data, a `split`), and each user function. Rows hold *self*
// time — a function's time is taken out of the statement that called it, a declaration's out of
// the statement that first used it — so the rows add up to the run and a slow helper shows as
// itself, not smeared over its callers. Entered and left around the work (left with `defer`), so
// a run stopped by an error still leaves a consistent partial profile.
//
// The evaluator checks `profiler` for nil once per top-level item, declaration and call; with no
// profiler nothing else happens.

import DCLDiagnostics
import Foundation

public final class ScriptProfiler {
    public enum Kind: Sendable, Equatable {
        case statement, declaration, function
    }

    public struct Row: Sendable {
        /// Where the construct is written (a statement's span; a declaration's or function's name).
        public let span: SourceSpan
        public let kind: Kind
        public var calls = 0
        /// Time in this construct, not counting rows entered inside it.
        public var selfNanoseconds: UInt64 = 0
        /// How much the process's peak resident memory grew while this construct ran (KiB;
        /// measured for statements and declarations, not per function call).
        public var peakGrowthKiB = 0
    }

    private struct Frame {
        let span: SourceSpan
        let start: UInt64
        let peakAtStartKiB: Int?
        var childNanoseconds: UInt64 = 0
    }

    private var rows: [SourceSpan: Row] = [:]
    private var stack: [Frame] = []

    public init() {}

    /// The process's peak resident set so far, in KiB (`ru_maxrss`: KiB on Linux, bytes on macOS).
    public static func peakResidentKiB() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss)
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss) / 1024
        #endif
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    func enter(_ span: SourceSpan, _ kind: Kind) {
        if rows[span] == nil { rows[span] = Row(span: span, kind: kind) }
        stack.append(Frame(span: span, start: Self.now(), peakAtStartKiB: kind == .function ? nil : Self.peakResidentKiB()))
    }

    func leave() {
        guard let frame = stack.popLast() else { return }
        let elapsed = Self.now() &- frame.start
        rows[frame.span]!.calls += 1
        rows[frame.span]!.selfNanoseconds &+= elapsed &- min(elapsed, frame.childNanoseconds)
        if let before = frame.peakAtStartKiB { rows[frame.span]!.peakGrowthKiB += max(0, Self.peakResidentKiB() - before) }
        if !stack.isEmpty { stack[stack.count - 1].childNanoseconds &+= elapsed }
    }

    /// Runs `body` as one call of the construct at `span`.
    @inline(__always)
    func measure<T>(_ span: SourceSpan, _ kind: Kind, _ body: () throws -> T) rethrows -> T {
        enter(span, kind)
        defer { leave() }
        return try body()
    }

    /// Every construct that ran, most self time first (ties in source order, so the order is
    /// stable).
    public var rowsByTime: [Row] {
        rows.values.sorted {
            if $0.selfNanoseconds != $1.selfNanoseconds { return $0.selfNanoseconds > $1.selfNanoseconds }
            if $0.span.file != $1.span.file { return $0.span.file.raw < $1.span.file.raw }
            return $0.span.start < $1.span.start
        }
    }
}
