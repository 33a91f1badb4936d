// Files the `:commands` read and write (`:load`, `:save`, `:graph --dot`), with failures as one
// line a person can act on: what went wrong and with which path ("/tmp is a directory; give a
// file name such as /tmp/session.dcl"), never Foundation's error dump
// (`Error Domain=NSCocoaErrorDomain Code=…`). POSIX calls, so the reason is the errno's.

import DCLTensor
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum ReplFiles {
    /// Why a file operation failed, as the part of a message after the path.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Reads a script. Only regular files: a FIFO or a device (`/dev/zero`) would block or never
    /// end. At most `ResourceLimits.current.maxFileBytes` bytes (`DCL_MAX_FILE_BYTES`).
    static func read(_ path: String) throws -> Data {
        var st = stat()
        guard stat(path, &st) == 0 else { throw Failure(reason(errno, path)) }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: throw Failure("\(path) is a directory; give a .dcl file")
        case S_IFREG: break
        default: throw Failure("\(path) is not a regular file (a device, FIFO or socket); give a .dcl file")
        }
        let limit = ResourceLimits.current.maxFileBytes
        guard Int(st.st_size) <= limit else {
            throw Failure("\(path) holds \(ResourceLimits.describe(bytes: Int(st.st_size))), more than the limit of \(ResourceLimits.describe(bytes: limit)) (DCL_MAX_FILE_BYTES)")
        }
        // Opened after the check, so a FIFO is never opened (that would block); checked again
        // on the descriptor in case the path changed in between.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw Failure(reason(errno, path)) }
        defer { close(fd) }
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw Failure("\(path) is not a regular file; give a .dcl file")
        }
        var data = Data(capacity: Int(st.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = readBytes(fd, &chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure("cannot read \(path): \(String(cString: strerror(errno)).lowercased())")
            }
            if n == 0 { return data }
            data.append(chunk, count: n)
            // A file that grew since `stat` is still capped.
            guard data.count <= limit else {
                throw Failure("\(path) holds more than the limit of \(ResourceLimits.describe(bytes: limit)) (DCL_MAX_FILE_BYTES)")
            }
        }
    }

    /// Writes `data` to `path` atomically (a temporary file in the same directory, renamed over
    /// it: never half a file). `example` is the file name suggested when `path` is a directory.
    static func write(_ data: Data, to path: String, example: String) throws {
        var st = stat()
        if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
            let suggestion = (path as NSString).appendingPathComponent(example)
            throw Failure("\(path) is a directory; give a file name such as \(suggestion)")
        }
        if path.hasSuffix("/") {
            throw Failure("\(path) names a directory; give a file name such as \((path as NSString).appendingPathComponent(example))")
        }
        let parent = (path as NSString).deletingLastPathComponent
        let directory = parent.isEmpty ? "." : parent
        if stat(directory, &st) != 0 {
            throw Failure("cannot write \(path): directory \(directory) does not exist")
        }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw Failure("cannot write \(path): \(directory) is not a directory")
        }
        guard access(directory, W_OK) == 0 else {
            throw Failure("cannot write \(path): \(reason(errno, directory))")
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw Failure("cannot write \(path): \(posixReason(of: error) ?? "the write failed")")
        }
    }

    /// An errno as the end of a message.
    static func reason(_ code: Int32, _ path: String) -> String {
        switch code {
        case ENOENT: return "\(path) does not exist"
        case EACCES, EPERM: return "permission denied for \(path)"
        case ENOTDIR: return "a parent of \(path) is not a directory"
        default: return "\(path): \(String(cString: strerror(code)).lowercased())"
        }
    }

    /// The operating system's reason inside a Foundation error, if it carries one.
    static func posixReason(of error: Error) -> String? {
        var e: NSError? = error as NSError
        while let current = e {
            if current.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(current.code))).lowercased() }
            e = current.userInfo[NSUnderlyingErrorKey] as? NSError
        }
        switch (error as NSError).code {
        case CocoaError.fileNoSuchFile.rawValue, CocoaError.fileReadNoSuchFile.rawValue: return "no such file or directory"
        case CocoaError.fileWriteNoPermission.rawValue, CocoaError.fileReadNoPermission.rawValue: return "permission denied"
        case CocoaError.fileWriteOutOfSpace.rawValue: return "no space left on the device"
        case CocoaError.fileWriteVolumeReadOnly.rawValue: return "read-only file system"
        default: return nil
        }
    }
}

extension ReplFiles {
    /// Any error as one line: our own errors' descriptions, and for a Foundation error the
    /// operating system's reason or its localized text — never `Error Domain=… Code=…`.
    static func describe(_ error: Error) -> String {
        if let f = error as? Failure { return f.description }
        if error is CocoaError || error is POSIXError || type(of: error) is NSError.Type {
            let ns = error as NSError
            return posixReason(of: error) ?? ns.localizedFailureReason ?? ns.localizedDescription
        }
        let text = String(describing: error)
        return text.split(separator: "\n", omittingEmptySubsequences: true).joined(separator: "; ")
    }
}

/// The C library's `read`, which `ReplFiles.read` shadows inside the type.
private func readBytes(_ fd: Int32, _ buffer: inout [UInt8]) -> Int {
    buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
}
