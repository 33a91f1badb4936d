// A CSV file read record by record in pieces of `chunkBytes` (1 MiB), for inputs far larger
// than memory should hold (a MovieLens-25M ratings.csv is 650 MB): the same tokenizer and the same error
// locations as a whole-file read, with memory bounded by one piece (or one record, if longer).
//
// A piece ends anywhere, maybe inside a record. A record is taken from the buffer only when the
// tokenizer finished it strictly before the buffer's end, or the file has ended; otherwise the
// rest of the buffer is kept, the next piece appended, and the record read again from its start.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class CSVStream {
    let path: String
    private let separator: UInt8
    private let fd: Int32
    private let buffer: ByteBuffer
    /// The buffer begins at a record's start; whether that is the file's first byte (where a
    /// byte-order mark may be).
    private var atStartOfFile = true
    private var endOfFile = false
    /// The reader over the current buffer; its `fields` are the record `next()` returned.
    private(set) var reader: CSVReader

    /// The size of the pieces read (tests make it tiny, to cut records everywhere).
    private let chunkBytes: Int
    /// The longest record accepted (a runaway quote would otherwise read the whole file in).
    static let maxRecordBytes = 64 << 20

    init(path: String, separator: UInt8 = 0x2C, chunkBytes: Int = 1 << 20) throws {
        self.path = path
        self.chunkBytes = max(1, chunkBytes)
        self.separator = separator
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FileBytes.openError(path, errno) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw DataError(.io, path: path, "is a directory, expected a file")
        }
        self.fd = fd
        buffer = ByteBuffer(capacity: self.chunkBytes)
        reader = CSVReader(UnsafeBufferPointer(start: nil, count: 0), path: path, separator: separator)
    }

    deinit { close(fd) }

    /// Reads the next non-blank record into `reader.fields`; false at the end of the file.
    func next() throws -> Bool {
        while true {
            let before = reader.position, line = reader.currentLine
            do {
                if try reader.next() {
                    // Finished before the buffer's end (so its line break was seen), or the last.
                    if reader.position < reader.bytes.count || endOfFile { return true }
                } else if endOfFile {
                    return false
                }
            } catch let error as DataError where !endOfFile && error.message.hasPrefix("unterminated quoted field") {
                // The closing quote may be in the next piece.
            }
            try refill(keepingFrom: before, line: line)
        }
    }

    /// Keeps the bytes from `offset` on (the start of an unfinished record), appends the next
    /// piece and starts a reader there, on file line `line`.
    private func refill(keepingFrom offset: Int, line: Int) throws {
        let kept = buffer.count - offset
        if offset > 0 {
            if kept > 0 { memmove(buffer.pointer, buffer.pointer + offset, kept) }
            atStartOfFile = false
        }
        buffer.count = kept
        if buffer.capacity - kept < chunkBytes {
            guard kept < Self.maxRecordBytes else {
                throw DataError(.tooLarge, path: path, line: line, "a record longer than \(Self.maxRecordBytes >> 20) MiB (an unclosed quote?)")
            }
            buffer.reserve(kept + chunkBytes)
        }
        let got = try readPiece(into: buffer.pointer + kept, max: buffer.capacity - kept)
        buffer.count = kept + got
        if got == 0 { endOfFile = true }
        reader = CSVReader(buffer.bytes, path: path, separator: separator, line: line, startOfFile: atStartOfFile)
    }

    private func readPiece(into p: UnsafeMutablePointer<UInt8>, max: Int) throws -> Int {
        while true {
            let n = read(fd, p, max)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw DataError(.io, path: path, "read failed: \(String(cString: strerror(errno)))")
        }
    }
}
