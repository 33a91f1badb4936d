// Reading a whole file into memory, with errors that say which file and why (missing,
// permission, a directory), and a size cap so a special file or a runaway input cannot exhaust
// memory. POSIX calls rather than Foundation's `Data(contentsOf:)`: the errno tells a missing file
// from a permission problem, and the bytes land in one buffer without an extra copy.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An owned, growable byte buffer: what file reads and gzip inflation fill. A class so the
/// parsers can hold a raw pointer into it without copying.
final class ByteBuffer {
    private(set) var pointer: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count: Int = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        pointer = .allocate(capacity: self.capacity)
    }

    convenience init(_ bytes: [UInt8]) {
        self.init(capacity: bytes.count)
        bytes.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: src.count) }
        }
        count = bytes.count
    }

    deinit { pointer.deallocate() }

    /// Grows the capacity to at least `newCapacity`, keeping the first `count` bytes.
    func reserve(_ newCapacity: Int) {
        guard newCapacity > capacity else { return }
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        p.update(from: pointer, count: count)
        pointer.deallocate()
        pointer = p
        capacity = newCapacity
    }

    /// The filled bytes. Valid while `self` is alive and not grown.
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: pointer, count: count) }

    var array: [UInt8] { Array(bytes) }
}

/// How long a file's content must be, judged by a format from the content's first bytes.
enum DeclaredSize: Equatable {
    /// The header is not complete yet: give at least this many bytes (or all there are).
    case needs(Int)
    /// The header is complete and declares this many bytes of content in all.
    case total(Int)
}

/// Whole-file reads for other modules (`dcl predict`'s CSV inputs), under the same cap and
/// with the same errors as the loaders'.
public enum DataFiles {
    /// All bytes of `path`, at most `DCL_MAX_FILE_BYTES`; a pipe or device is refused as soon as
    /// a chunk of it holds a NUL byte (text only).
    public static func readText(_ path: String) throws -> [UInt8] {
        try FileBytes.read(path) { chunk, _ in chunk.contains(0) ? "not text (it holds NUL bytes)" : nil }.array
    }
}

enum FileBytes {
    /// Reads all of `path`. Throws `fileNotFound`, `permissionDenied`, `io` or `tooLarge`.
    ///
    /// A file without a size (a pipe, a device such as /dev/zero) is read in chunks up to the
    /// cap; `sniff` sees each chunk of such a file as it arrives and may name a reason to stop
    /// (zeros are no .npy file, NUL bytes no CSV text), so an endless stream of the wrong kind
    /// fails at once instead of after gigabytes. Regular files are checked by their decoders.
    static func read(_ path: String, limit: Int = DataLimits.maxBytes,
                     sniff: ((_ chunk: UnsafeBufferPointer<UInt8>, _ isFirst: Bool) -> String?)? = nil) throws -> ByteBuffer {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw openError(path, errno) }
        defer { close(fd) }

        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ioError(path, "cannot stat", errno) }
        let mode = st.st_mode & S_IFMT
        if mode == S_IFDIR { throw DataError(.io, path: path, "is a directory, expected a file") }

        // Regular files: allocate the stated size once. Others (pipes, devices): grow as read.
        let stated = mode == S_IFREG ? Int(st.st_size) : 0
        if stated > limit {
            throw DataError(.tooLarge, path: path, "file holds \(stated) bytes, more than the limit of \(limit) (DCL_MAX_FILE_BYTES)")
        }
        let buf = ByteBuffer(capacity: stated > 0 ? stated + 1 : 1 << 16)
        while true {
            if buf.count == buf.capacity {
                if buf.capacity > limit {
                    throw DataError(.tooLarge, path: path, "file holds more than the limit of \(limit) bytes (DCL_MAX_FILE_BYTES)")
                }
                buf.reserve(min(buf.capacity * 2, limit + 1))
            }
            let want = min(buf.capacity - buf.count, 1 << 30)
            let n = Glibc_read(fd, buf.pointer + buf.count, want)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EISDIR { throw DataError(.io, path: path, "is a directory, expected a file") }
                throw ioError(path, "read failed", errno)
            }
            if n == 0 { break }
            if mode != S_IFREG, let sniff, let why = sniff(UnsafeBufferPointer(start: buf.pointer + buf.count, count: n), buf.count == 0) {
                throw DataError(.malformed, path: path, why)
            }
            buf.count += n
            if buf.count > limit {
                throw DataError(.tooLarge, path: path, "file holds more than the limit of \(limit) bytes (DCL_MAX_FILE_BYTES)")
            }
        }
        return buf
    }

    /// Reads `path` and inflates it if it is gzip (recognised by its magic bytes, not its name).
    ///
    /// `declaredSize` reads the format's header from the first bytes of the content and says how
    /// long the whole content must be; a gzip file is inflated only that far plus one byte (to
    /// tell "exactly right" from "too long"), and never past `limit`, so what a compressed file
    /// costs in memory is what its header declares. The format's decoder then checks the content
    /// against its header as it would for an uncompressed file (a short one is truncated).
    static func readMaybeGzip(_ path: String, limit: Int = DataLimits.maxBytes,
                              sniff: ((_ chunk: UnsafeBufferPointer<UInt8>, _ isFirst: Bool) -> String?)? = nil,
                              declaredSize: (UnsafeBufferPointer<UInt8>) throws -> DeclaredSize) throws -> ByteBuffer {
        let raw = try read(path, limit: limit, sniff: sniff)
        guard Gzip.isGzip(raw.bytes) else { return raw }
        let reader = try GzipReader(raw, path: path)
        while true {
            switch try declaredSize(reader.output.bytes) {
            case .needs(let n):
                // A header claim about its own length is checked by the format; never ask for
                // more than the cap allows, nor loop without progress.
                let wanted = min(n, limit)
                guard wanted > reader.output.count else { return reader.output }
                try reader.inflate(upTo: wanted)
                if reader.output.count < wanted { return reader.output }  // the content ended: truncated
            case .total(let total):
                guard total <= limit else {
                    throw DataError(.tooLarge, path: path, "header declares \(total) bytes of content, more than the limit of \(limit) bytes (DCL_MAX_FILE_BYTES)")
                }
                try reader.inflate(upTo: total < Int.max ? total + 1 : total)
                if reader.output.count > total {
                    throw DataError(.malformed, path: path, "gzip content is longer than the \(total) bytes its header declares (inflating stopped after \(reader.output.count) bytes)")
                }
                return reader.output
            }
        }
    }

    /// Writes `bytes` to `path` (created or truncated), with the same error kinds as `read`.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw openError(path, errno) }
        defer { close(fd) }
        try bytes.withUnsafeBufferPointer { src in
            var done = 0
            while done < src.count {
                let n = Glibc_write(fd, src.baseAddress! + done, src.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ioError(path, "write failed", errno)
                }
                done += n
            }
        }
    }

    static func openError(_ path: String, _ code: Int32) -> DataError {
        switch code {
        case ENOENT: return DataError(.fileNotFound, path: path, "no such file")
        case ENOTDIR: return DataError(.fileNotFound, path: path, "no such file (a parent is not a directory)")
        case EACCES, EPERM: return DataError(.permissionDenied, path: path, "permission denied")
        case EISDIR: return DataError(.io, path: path, "is a directory, expected a file")
        default: return ioError(path, "cannot open", code)
        }
    }

    private static func ioError(_ path: String, _ what: String, _ code: Int32) -> DataError {
        DataError(.io, path: path, "\(what): \(String(cString: strerror(code)))")
    }
}

// `read`/`write` are shadowed by our own static methods inside `FileBytes`; these aliases reach
// the C functions.
@inline(__always) private func Glibc_read(_ fd: Int32, _ p: UnsafeMutablePointer<UInt8>, _ n: Int) -> Int {
    read(fd, p, n)
}
@inline(__always) private func Glibc_write(_ fd: Int32, _ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
    write(fd, p, n)
}
