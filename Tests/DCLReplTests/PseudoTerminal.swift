// Runs a program on a pseudo-terminal, as a person at a terminal would: the program is a session
// leader whose controlling terminal is the pty, so a written Ctrl-C (0x03) becomes SIGINT and
// readline sees a real terminal. Output is collected with ANSI escape sequences removed.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class PseudoTerminal {
    let master: Int32
    let pid: pid_t
    /// Everything the program wrote so far, as bytes.
    private var raw: [UInt8] = []
    /// `raw` as text, escape sequences removed, `\r` dropped. Recomputed whole after each read,
    /// so an escape sequence or UTF-8 character split between two reads comes out right.
    private(set) var output = ""
    /// How many characters of `output` `expect` has consumed.
    private var mark = 0

    /// Whether this system can open pseudo-terminals.
    static var isAvailable: Bool {
        guard let fd = PTYFunctions.shared?.openpt(O_RDWR | O_NOCTTY), fd >= 0 else { return false }
        close(fd)
        return true
    }

    /// Starts `executable` with `arguments` and exactly `environment` on a new 200×50 pty.
    init(executable: String, arguments: [String], environment: [String: String]) throws {
        guard let pty = PTYFunctions.shared else { throw PTYError("no pseudo-terminal functions in the C library") }
        let fd = pty.openpt(O_RDWR | O_NOCTTY)
        guard fd >= 0, pty.grant(fd) == 0, pty.unlock(fd) == 0, let name = pty.name(fd) else {
            throw PTYError("cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let slavePath = String(cString: name)
        var size = winsize(ws_row: 50, ws_col: 200, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(fd, UInt(TIOCSWINSZ), &size)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new session: opening the pty below then makes it the controlling terminal. Signals
        // start unblocked and SIGINT at its default, whatever the test runner set for itself.
        posix_spawnattr_setflags(&attributes, Int16(PseudoTerminal.setsidFlag | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var noSignals = sigset_t(), interrupt = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &interrupt)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addclose(&actions, fd)
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            close(fd)
            throw PTYError("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        master = fd
        pid = child
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(master)
    }

    #if os(Linux)
    static let setsidFlag: Int32 = 0x80  // POSIX_SPAWN_SETSID (glibc)
    #else
    static let setsidFlag: Int32 = 0x400  // POSIX_SPAWN_SETSID (Darwin)
    #endif

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if n > 0 { written += n } else if errno != EAGAIN && errno != EINTR { return }
        }
    }

    /// Waits until `text` appears after what earlier `expect`s consumed, then consumes through
    /// it. Returns false on timeout or if the program ended first.
    @discardableResult
    func expect(_ text: String, timeout: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let from = output.index(output.startIndex, offsetBy: mark)
            if let r = output.range(of: text, range: from..<output.endIndex) {
                mark = output.distance(from: output.startIndex, to: r.upperBound)
                return true
            }
            guard Date() < deadline, pump(until: deadline) else { return false }
        }
    }

    /// Waits until the regular expression `pattern` matches after what earlier `expect`s
    /// consumed, then consumes through the match and returns its first capture group (or the
    /// whole match). Returns nil on timeout or if the program ended first.
    func expect(matching pattern: String, timeout: Double = 60) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let text = output as NSString
            let from = (String(output.prefix(mark)) as NSString).length
            if let m = regex.firstMatch(in: output, range: NSRange(location: from, length: text.length - from)) {
                let end = m.range.location + m.range.length
                mark = text.substring(to: end).count
                let group = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
                return text.substring(with: group)
            }
            guard Date() < deadline, pump(until: deadline) else { return nil }
        }
    }

    /// Sends SIGINT the way a terminal does: Ctrl-C (0x03) written to the master side, which
    /// the pty's line discipline turns into SIGINT for the foreground process group.
    func interrupt() {
        send("\u{03}")
    }

    /// Reads what is available (waiting up to the deadline); false once the program has ended.
    private func pump(until deadline: Date) -> Bool {
        var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ms = Int32(max(0, min(deadline.timeIntervalSinceNow, 0.2)) * 1000)
        guard poll(&p, 1, ms) >= 0 else { return errno == EINTR }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(master, &buffer, buffer.count)
        if n > 0 {
            raw += buffer[..<n]
            output = PseudoTerminal.plain(String(decoding: raw, as: UTF8.self))
            return true
        }
        return n < 0 && (errno == EAGAIN || errno == EINTR)
    }

    /// Waits for the program to end and returns its exit status (nil on timeout or a signal).
    func waitForExit(timeout: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                return status & 0x7f == 0 ? (status >> 8) & 0xff : nil
            }
            _ = pump(until: Date().addingTimeInterval(0.05))
        }
        return nil
    }

    /// Text without CSI escape sequences (`ESC [ … letter`) or carriage returns.
    static func plain(_ s: String) -> String {
        var out = ""
        var it = s.unicodeScalars.makeIterator()
        while let c = it.next() {
            if c == "\u{1B}" {
                guard let next = it.next() else { break }
                if next == "[" {
                    while let d = it.next(), !(d.value >= 0x40 && d.value <= 0x7E) {}
                }
                continue
            }
            if c != "\r" { out.unicodeScalars.append(c) }
        }
        return out
    }
}

/// posix_openpt, grantpt, unlockpt and ptsname, looked up in the C library at run time: Swift's
/// Glibc module leaves them out (they need _XOPEN_SOURCE).
struct PTYFunctions {
    let openpt: @convention(c) (Int32) -> Int32
    let grant: @convention(c) (Int32) -> Int32
    let unlock: @convention(c) (Int32) -> Int32
    let name: @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?

    static let shared: PTYFunctions? = {
        guard let handle = dlopen(nil, RTLD_NOW) else { return nil }
        func symbol<T>(_ name: String, _: T.Type) -> T? { dlsym(handle, name).map { unsafeBitCast($0, to: T.self) } }
        guard let o = symbol("posix_openpt", (@convention(c) (Int32) -> Int32).self),
              let g = symbol("grantpt", (@convention(c) (Int32) -> Int32).self),
              let u = symbol("unlockpt", (@convention(c) (Int32) -> Int32).self),
              let n = symbol("ptsname", (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self) else { return nil }
        return PTYFunctions(openpt: o, grant: g, unlock: u, name: n)
    }()
}

struct PTYError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
