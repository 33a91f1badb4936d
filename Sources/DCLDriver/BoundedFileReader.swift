// Reading a whole input file under a size cap (`ResourceLimits.maxFileBytes`,
// DCL_MAX_FILE_BYTES), for `dcl predict`'s `--input` files.
//
// A regular file's size is checked before a byte is read. A file without a size — a FIFO, a
// character device such as /dev/zero — is read in chunks, never past the cap; and its first
// bytes are shown to the caller's `sniff`, which refuses what cannot be the expected format
// (zeros are not an .npy file; NUL bytes are not CSV text) so such a stream fails at once
// instead of after gigabytes.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum BoundedFileReader {
    struct Failure: Error {
        var message: String
    }

    /// All bytes of `path`, at most `limit`. `sniff(chunk, isFirst)` may return a reason to
    /// stop reading a non-regular file (it sees each chunk as read).
    static func read(_ path: String, limit: Int, sniff: ([UInt8], Bool) -> String? = { _, _ in nil }) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw Failure(message: "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Failure(message: "cannot read \(path): \(String(cString: strerror(errno)))") }
        let mode = st.st_mode & S_IFMT
        if mode == S_IFDIR { throw Failure(message: "cannot read \(path): it is a directory") }
        let regular = mode == S_IFREG
        if regular && Int(st.st_size) > limit {
            throw Failure(message: "\(path) holds \(Int(st.st_size)) bytes, more than the limit of \(limit) (DCL_MAX_FILE_BYTES)")
        }
        var out: [UInt8] = []
        if regular { out.reserveCapacity(Int(st.st_size)) }
        let chunkSize = 1 << 16
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var first = true
        while true {
            let n = chunk.withUnsafeMutableBytes { readPOSIX(fd, $0.baseAddress!, chunkSize) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(message: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            guard out.count + n <= limit else {
                throw Failure(message: "\(path) holds more than the limit of \(limit) bytes (DCL_MAX_FILE_BYTES)")
            }
            let piece = Array(chunk[0..<n])
            if !regular, let why = sniff(piece, first) { throw Failure(message: "\(path): \(why)") }
            first = false
            out += piece
        }
        return out
    }
}

// `read` inside `BoundedFileReader` names its own static method; this reaches the C function.
private func readPOSIX(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
