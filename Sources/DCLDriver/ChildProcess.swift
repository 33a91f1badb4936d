// One child process, measured from outside: `dcl bench fleet` runs the dcl side and the PyTorch
// reference as children so each one's peak RSS is its own (wait4's rusage of exactly that
// child), never the bench's or a previous run's.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished child left: its exit status, output, wall time and peak resident set.
struct ChildRun {
    var status: Int32
    /// True if a signal ended it (then `status` is the signal number).
    var signalled: Bool
    var stdout: String
    var stderr: String
    var wallSeconds: Double
    /// Peak resident set size of the child alone, in KiB (ru_maxrss of wait4).
    var peakRSSKiB: Int
}

enum ChildProcess {
    /// Runs `executable` (looked up in PATH when it has no slash) with `arguments`, standard
    /// output and error captured through temporary files (no pipe to fill up while the bench
    /// waits). Both sides find their data from their script's own location, so the working
    /// directory does not matter. Throws when the child cannot be started.
    static func run(_ executable: String, _ arguments: [String]) throws -> ChildRun {
        let tmp = FileManager.default.temporaryDirectory.path
        let stamp = "\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let outPath = "\(tmp)/dcl-fleet-\(stamp).out", errPath = "\(tmp)/dcl-fleet-\(stamp).err"
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let start = monotonicSeconds()
        let spawned = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, nil, argv, environ)
            : posix_spawnp(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw BenchError("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("waiting for \(executable) failed: \(String(cString: strerror(errno)))") }
        }
        let wall = monotonicSeconds() - start
        // The wait status: low 7 bits are the terminating signal (0 for a normal exit), the
        // exit code sits in bits 8–15.
        let signal = status & 0x7f
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return ChildRun(status: signal == 0 ? (status >> 8) & 0xff : signal, signalled: signal != 0, stdout: out, stderr: err,
                        wallSeconds: wall, peakRSSKiB: Int(usage.ru_maxrss))
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// The running executable's path (the dcl binary itself), for running the dcl side.
    static func currentExecutable() -> String {
        #if os(Linux)
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        #endif
        return CommandLine.arguments[0]
    }
}
