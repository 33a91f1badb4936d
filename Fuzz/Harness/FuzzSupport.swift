// What every fuzz harness shares: lower resource caps (for the fuzzer processes only), scratch
// files for readers that only take a path, and a way to cut one fuzz input into several parts.
//
// libFuzzer calls `LLVMFuzzerTestOneInput` (defined by each target) millions of times in one
// process, so nothing here may leak or grow per input.

import DCLTensor
import Foundation

public enum Fuzz {
    /// Call first in every `LLVMFuzzerTestOneInput` (never in a test process: the caps are
    /// process-wide and other tests run beside the replay). Lowers the process-wide caps so an input
    /// that asks for a large (but allowed) tensor fails fast instead of tripping the fuzzer's
    /// memory limit: a finding must be a cap that is not enforced, not a cap that is high.
    public static func setUp() {
        _ = configured
    }

    private static let configured: Bool = {
        var limits = ResourceLimits.current
        limits.maxTensorBytes = min(limits.maxTensorBytes, 64 << 20)
        limits.maxFileBytes = min(limits.maxFileBytes, 64 << 20)
        // Check mode gives up after this many loop iterations and calls (E0507): far below
        // the 10 s timeout even in the sanitized build, so an endless loop is a diagnostic.
        limits.maxCheckSteps = min(limits.maxCheckSteps, 100_000)
        ResourceLimits.current = limits
        return true
    }()

    /// `DCL_FUZZ_VERBOSE=1`: targets say where each input stopped (for writing seeds; run one
    /// input, e.g. `DCL_FUZZ_VERBOSE=1 .build-fuzz/release/fuzz-bundle seed`).
    public static let verbose = ProcessInfo.processInfo.environment["DCL_FUZZ_VERBOSE"] == "1"

    /// Prints `message()` when verbose.
    public static func note(_ message: @autoclosure () -> String) {
        if verbose { print("fuzz: \(message())") }
    }

    /// The input as an array.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// A per-process directory for scratch files (in /dev/shm when present, so the readers that
    /// take a path cost no disk I/O). Removed when the process exits normally.
    public static var scratchDirectory: String {
        _ = scratchCreated
        return scratchPath
    }

    private static let scratchCreated: Bool = {
        try? FileManager.default.createDirectory(atPath: scratchPath, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: scratchPath) }
        return true
    }()

    /// Writes `bytes` to the file `name` in `directory` (the process's scratch directory unless
    /// a caller running inputs concurrently gives each its own) and returns its path.
    public static func scratchFile(_ name: String, _ bytes: [UInt8], in directory: String? = nil) -> String {
        let path = "\(directory ?? scratchDirectory)/\(name)"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// Splits `bytes` at each occurrence of `separator`. Multi-part inputs use a separator no
    /// valid part is likely to contain, and libFuzzer's mutations copy it from the seeds.
    public static func split(_ bytes: [UInt8], separator: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var start = 0, i = 0
        while i + separator.count <= bytes.count {
            if bytes[i] == separator[0] && Array(bytes[i..<(i + separator.count)]) == separator {
                parts.append(Array(bytes[start..<i]))
                i += separator.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(Array(bytes[start...]))
        return parts
    }
}

private let scratchPath: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return "\(base)/dcl-fuzz-\(getpid())"
}()
