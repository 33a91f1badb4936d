// The pieces every atomic file replacement in dcl shares (`writeAtomically`, `dcl fmt`, the
// bundle writer): where the new bytes really go, what the temporary file is called, and
// cleaning up after writers that were killed.
//
// * Writing onto a symbolic link replaces the file the link points to and keeps the link (a
//   rename over the link itself would replace the link with a plain file).
// * Temporary files are `.NAME.dcl-tmp-PID-RANDOM` next to the destination: recognisable,
//   hidden, and on the same file system so the final rename is atomic.
// * A writer killed between creating its temporary file and renaming it cannot remove it; the
//   next write to the same destination removes every temporary of that destination whose
//   process no longer exists (older dcl versions named them `.NAME.tmp-PID-…`).

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum AtomicWrite {
    /// Marker between the destination's name and the writer's PID in a temporary's name.
    public static let temporaryMarker = ".dcl-tmp-"

    /// The path a write to `path` should replace: `path` itself, or, if it is a symbolic
    /// link, the file at the end of the chain of links (which need not exist yet). Gives up
    /// after 40 links, as the kernel does, and then returns the last link reached.
    public static func resolvedDestination(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            var st = stat()
            guard lstat(current, &st) == 0, st.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n > 0 else { return current }
            let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = target.hasPrefix("/") ? target : directory(of: current) + "/" + target
        }
        return current
    }

    /// A new temporary path next to `destination`: `.NAME.dcl-tmp-PID-RANDOM`.
    public static func temporaryPath(for destination: String) -> String {
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return directory(of: destination) + "/." + name(of: destination) + temporaryMarker + "\(getpid())-" + random
    }

    /// Removes temporaries of `destination` (this naming and the older `.NAME.tmp-PID-…`)
    /// whose writing process no longer exists. Best effort: errors are ignored.
    public static func removeStaleTemporaries(of destination: String) {
        let dir = directory(of: destination), base = name(of: destination)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for prefix in ["." + base + temporaryMarker, "." + base + ".tmp-"] {
            for file in names where file.hasPrefix(prefix) {
                let rest = file.dropFirst(prefix.count)
                guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]), pid > 0,
                      !rest[rest.index(after: dash)...].isEmpty, !processExists(pid) else { continue }
                unlink(dir + "/" + file)
            }
        }
    }

    /// Whether process `pid` exists (signal 0 checks without sending anything; EPERM means
    /// it exists but belongs to someone else).
    static func processExists(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    static func directory(of path: String) -> String {
        let d = (path as NSString).deletingLastPathComponent
        return d.isEmpty ? "." : d
    }

    static func name(of path: String) -> String { (path as NSString).lastPathComponent }
}

/// Writes `data` to `path` so that readers see either the old file or the complete new one.
/// A symbolic link at `path` is written through (its target is replaced, the link kept), and
/// temporaries left by killed writers of the same file are removed (see AtomicWrite.swift).
public func writeAtomically(_ data: Data, to requested: String) throws {
    let path = AtomicWrite.resolvedDestination(requested)
    AtomicWrite.removeStaleTemporaries(of: path)
    let dir = AtomicWrite.directory(of: path)
    let tmp = AtomicWrite.temporaryPath(for: path)
    let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw TensorError("write", "cannot create '\(tmp)': \(String(cString: strerror(errno)))") }
    var ok = false
    defer {
        if !ok { unlink(tmp) }
    }
    let written = data.withUnsafeBytes { buf -> Bool in
        var off = 0
        while off < buf.count {
            let r = Foundation.write(fd, buf.baseAddress! + off, buf.count - off)
            if r <= 0 { return false }
            off += r
        }
        return true
    }
    guard written, fsync(fd) == 0 else {
        close(fd)
        throw TensorError("write", "cannot write '\(tmp)': \(String(cString: strerror(errno)))")
    }
    close(fd)
    guard rename(tmp, path) == 0 else { throw TensorError("write", "cannot rename to '\(path)': \(String(cString: strerror(errno)))") }
    ok = true
    // Persist the rename itself.
    let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY)
    if dfd >= 0 { _ = fsync(dfd); close(dfd) }
}
