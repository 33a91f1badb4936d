// Child processes, one mechanism (posix_spawn) for both uses: `ChildProcess.run` runs one to its
// end and measures it from outside — `dcl bench fleet` runs the dcl side and the PyTorch
// reference as children so each one's peak RSS is its own (wait4's rusage of exactly that
// child), never the bench's or a previous run's; `RunningChild` starts one in the background
// (`dcl run --deploy loopback`'s service and device hosts) to poll, wait for or stop.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child that could not be started or waited for.
struct ChildProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

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

public enum ChildProcess {
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
        let start = monotonicSeconds()
        let pid = try spawn(executable, arguments, stdout: .file(outPath), stderr: .file(errPath))
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw ChildProcessError("waiting for \(executable) failed: \(String(cString: strerror(errno)))") }
        }
        let wall = monotonicSeconds() - start
        let ended = Ended(waitStatus: status)
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return ChildRun(status: ended.signal ?? ended.code, signalled: ended.signal != nil, stdout: out, stderr: err,
                        wallSeconds: wall, peakRSSKiB: Int(usage.ru_maxrss))
    }

    /// Where a child's standard output or error goes.
    public enum Redirect {
        case inherit
        case null
        /// Created or truncated, readable by this user only.
        case file(String)
    }

    /// Starts `executable` (looked up in PATH when it has no slash) and returns its pid.
    static func spawn(_ executable: String, _ arguments: [String], stdout: Redirect, stderr: Redirect) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (fd, redirect) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch redirect {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            }
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, nil, argv, environ)
            : posix_spawnp(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw ChildProcessError("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        return pid
    }

    /// How a child ended, from its wait status: the low 7 bits are the terminating signal (0 for
    /// a normal exit), the exit code sits in bits 8–15.
    struct Ended {
        var code: Int32
        var signal: Int32?
        init(waitStatus s: Int32) {
            let signal = s & 0x7f
            self.signal = signal == 0 ? nil : signal
            code = (s >> 8) & 0xff
        }
        /// The exit status as a shell reports it (a signal counts as 128 + its number).
        var shellStatus: Int32 { signal.map { 128 + $0 } ?? code }
    }

    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// The running executable's path (the dcl binary itself), for running the dcl side.
    public static func currentExecutable() -> String {
        #if os(Linux)
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        #endif
        return CommandLine.arguments[0]
    }
}

/// A child process running in the background, started by `ChildProcess.spawn`.
public final class RunningChild {
    public let pid: pid_t
    private var status: Int32?

    public init(_ executable: String, _ arguments: [String], stdout: ChildProcess.Redirect = .inherit, stderr: ChildProcess.Redirect = .inherit) throws {
        pid = try ChildProcess.spawn(executable, arguments, stdout: stdout, stderr: stderr)
    }

    /// The exit status if the child has ended (a signal counts as 128 + its number).
    public func poll() -> Int32? {
        if let status { return status }
        var s: Int32 = 0
        guard waitpid(pid, &s, WNOHANG) == pid else { return nil }
        status = ChildProcess.Ended(waitStatus: s).shellStatus
        return status
    }

    public func wait() -> Int32 {
        if let status { return status }
        var s: Int32 = 0
        while waitpid(pid, &s, 0) < 0 && errno == EINTR {}
        status = ChildProcess.Ended(waitStatus: s).shellStatus
        return status!
    }

    /// SIGTERM, a second to finish, then SIGKILL.
    public func killIfRunning() {
        guard poll() == nil else { return }
        kill(pid, SIGTERM)
        for _ in 0..<100 where poll() == nil { usleep(10_000) }
        if poll() == nil {
            kill(pid, SIGKILL)
            _ = wait()
        }
    }
}
