// The caps that keep hostile or mistaken input from exhausting the machine: one place for every
// limit dcl enforces before it allocates, reads or formats something whose size came from a
// user, a file or the network. SECURITY.md lists them and how to change them.
//
// The limits are process-wide configuration, read once from the environment (so a service, a
// test or a user's shell can set them without a flag on every command) and adjustable by the
// driver's command-line options before any work starts.

import Foundation

/// Caps on sizes that come from untrusted or user-controlled input.
public struct ResourceLimits: Sendable, Hashable {
    /// Bytes of one tensor (a parameter, an activation, an input, a loaded array).
    /// Environment: `DCL_MAX_TENSOR_BYTES` (a byte count, or with a K/M/G/T suffix).
    public var maxTensorBytes: Int = 4 << 30
    /// Bytes of one input file read whole (a `.npy`/`.csv` given to `predict`, a data file).
    /// Environment: `DCL_MAX_FILE_BYTES`.
    public var maxFileBytes: Int = 8 << 30
    /// Width and precision in a format specifier (`{x:12.3f}`).
    public var maxFormatWidth: Int = 1000
    /// Elements of one list a script builds (`++`, comprehensions, a range turned into a list).
    /// Environment: `DCL_MAX_LIST_LENGTH` (a count).
    public var maxListLength: Int = 1 << 22
    /// Bytes of one string a script builds (`++`, `+`, `join`, `str`, formatting).
    /// Environment: `DCL_MAX_STRING_BYTES`.
    public var maxStringBytes: Int = 64 << 20

    /// Loop iterations and function calls `dcl check` evaluates before it gives up on a script
    /// (check mode runs top-level code without data to learn shapes; `while true {}` must not
    /// hang it). Environment: `DCL_MAX_CHECK_STEPS` (a count).
    public var maxCheckSteps: Int = 10_000_000

    public init() {}

    /// The caps in force for this process.
    public static var current: ResourceLimits {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var stored = ResourceLimits.fromEnvironment(ProcessInfo.processInfo.environment)

    /// The defaults, with any `DCL_MAX_*` variables of `environment` applied. A malformed value
    /// is ignored here; `parseEnvironment` reports it.
    public static func fromEnvironment(_ environment: [String: String]) -> ResourceLimits {
        (try? parseEnvironment(environment)) ?? ResourceLimits()
    }

    /// The defaults with `DCL_MAX_*` variables applied, or an error naming the bad variable.
    public static func parseEnvironment(_ environment: [String: String]) throws -> ResourceLimits {
        var limits = ResourceLimits()
        if let v = environment["DCL_MAX_TENSOR_BYTES"] { limits.maxTensorBytes = try parseByteCount(v, name: "DCL_MAX_TENSOR_BYTES") }
        if let v = environment["DCL_MAX_FILE_BYTES"] { limits.maxFileBytes = try parseByteCount(v, name: "DCL_MAX_FILE_BYTES") }
        if let v = environment["DCL_MAX_LIST_LENGTH"] { limits.maxListLength = try parseByteCount(v, name: "DCL_MAX_LIST_LENGTH") }
        if let v = environment["DCL_MAX_STRING_BYTES"] { limits.maxStringBytes = try parseByteCount(v, name: "DCL_MAX_STRING_BYTES") }
        if let v = environment["DCL_MAX_CHECK_STEPS"] { limits.maxCheckSteps = try parseByteCount(v, name: "DCL_MAX_CHECK_STEPS") }
        return limits
    }

    /// `123`, `64K`, `512M`, `4G`, `1T` (binary multiples; a trailing `B`/`iB` is allowed).
    public static func parseByteCount(_ text: String, name: String) throws -> Int {
        var s = text.trimmingCharacters(in: .whitespaces).uppercased()
        if s.hasSuffix("IB") { s.removeLast(2) } else if s.hasSuffix("B") { s.removeLast() }
        var shift = 0
        if let last = s.last, let k = ["K": 10, "M": 20, "G": 30, "T": 40][String(last)] {
            shift = k
            s.removeLast()
        }
        guard let n = Int(s), n > 0, n <= (Int.max >> shift) else {
            throw TensorError(name, "'\(text)' is not a byte count (e.g. 4G, 512M, 1048576)")
        }
        return n << shift
    }

    /// A size for messages: `256000000000 bytes (238.4 GiB)`.
    public static func describe(bytes: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = Double(bytes), unit = ""
        for u in units where v >= 1024 { v /= 1024; unit = u }
        return unit.isEmpty ? "\(bytes) bytes" : "\(bytes) bytes (\(String(format: "%.1f", v)) \(unit))"
    }
}
