// Reads `Content-Length`-framed messages from a file descriptor (LSP's base protocol):
//
//   Content-Length: 52\r\n
//   \r\n
//   {"jsonrpc":"2.0","id":1,"method":"initialize",...}
//
// Memory is bounded whatever arrives: a header line longer than `maxHeaderLine` or a body longer
// than `maxBody` is reported and skipped (the body is read and dropped in chunks, so the stream
// stays in step), and a malformed header block is reported and skipped up to the next
// `Content-Length:`, so one bad message never takes the server down.

import Foundation

public final class MessageReader {
    public enum Item {
        /// A message body.
        case body([UInt8])
        /// A framing problem, already recovered from; the caller reports it.
        case framingError(String)
    }

    let fd: Int32
    public let maxBody: Int
    let maxHeaderLine = 8 * 1024
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEOF = false
    private var needsResynchronizing = false

    public init(fd: Int32, maxBody: Int = 64 * 1024 * 1024) {
        self.fd = fd
        self.maxBody = maxBody
    }

    /// The next message or framing error; nil at end of input.
    public func next() -> Item? {
        if needsResynchronizing {
            needsResynchronizing = false
            resynchronize()
        }
        while true {
            // Header block: lines up to an empty one.
            var length: Int?
            var problem: String?
            var sawHeader = false
            while true {
                guard let line = readLine() else {
                    if case .tooLong = lastLineStatus {
                        problem = "a header line is longer than \(maxHeaderLine) bytes"
                        break
                    }
                    // End of input: a partial header block is dropped silently.
                    return nil
                }
                if line.isEmpty {
                    if sawHeader { break }
                    continue  // blank lines between messages are tolerated
                }
                sawHeader = true
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                    problem = "malformed header line `\(printable(line))`"
                    break
                }
                let name = String(decoding: line[..<colon], as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
                let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                if name == "content-length" {
                    guard let n = Int(value), n >= 0 else {
                        problem = "invalid Content-Length `\(printable(Array(value.utf8)))`"
                        break
                    }
                    length = n
                }
            }
            // Reported at once; the skip to the next message happens on the next call (it may
            // have to wait for input the client only sends after seeing this error).
            if let p = problem {
                needsResynchronizing = true
                return .framingError(p)
            }
            guard let n = length else {
                needsResynchronizing = true
                return .framingError("a message has no Content-Length header")
            }
            if n > maxBody {
                guard discard(n) else { return nil }
                return .framingError("a message of \(n) bytes is over the limit of \(maxBody) bytes; it was skipped")
            }
            guard let body = read(n) else { return nil }
            return .body(body)
        }
    }

    // MARK: - Buffer

    private enum LineStatus { case ok, tooLong }
    private var lastLineStatus = LineStatus.ok

    /// One header line without its terminator (`\r\n`, or a bare `\n`); nil at end of input or
    /// when the line is over the limit (`lastLineStatus`).
    private func readLine() -> [UInt8]? {
        lastLineStatus = .ok
        // Bytes already searched, relative to `start` (`fill` may move the buffer's contents).
        var scanned = 0
        while true {
            if let nl = buffer[(start + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = nl
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = Array(buffer[start..<end])
                start = nl + 1
                return line
            }
            scanned = buffer.count - start
            if buffer.count - start > maxHeaderLine {
                lastLineStatus = .tooLong
                return nil
            }
            guard fill() else { return nil }
        }
    }

    /// Exactly `n` bytes; nil if input ends first.
    private func read(_ n: Int) -> [UInt8]? {
        while buffer.count - start < n {
            guard fill() else { return nil }
        }
        let out = Array(buffer[start..<(start + n)])
        start += n
        return out
    }

    /// Drops `n` bytes without holding them; false if input ends first.
    private func discard(_ n: Int) -> Bool {
        var left = n
        while left > 0 {
            if start == buffer.count { guard fill() else { return false } }
            let k = min(left, buffer.count - start)
            start += k
            left -= k
            compact()
        }
        return true
    }

    /// Skips to the next `Content-Length:` (case-insensitive) after a malformed header block.
    private func resynchronize() {
        let needle = Array("content-length:".utf8)
        while true {
            if let i = find(needle) {
                start = i
                return
            }
            // Keep a tail that could be the start of the needle.
            start = max(start, buffer.count - needle.count)
            compact()
            guard fill() else { start = buffer.count; return }
        }
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count - start >= needle.count else { return nil }
        var i = start
        while i + needle.count <= buffer.count {
            var match = true
            for (k, b) in needle.enumerated() where lower(buffer[i + k]) != b {
                match = false
                break
            }
            if match { return i }
            i += 1
        }
        return nil
    }

    private func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }

    /// Reads more input; false at end of input.
    private func fill() -> Bool {
        guard !atEOF else { return false }
        compact()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 {
                atEOF = true
                return false
            }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
    }

    /// Drops consumed bytes once they are a good part of the buffer.
    private func compact() {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
    }

    private func printable(_ bytes: [UInt8]) -> String {
        let s = String(decoding: bytes.prefix(60), as: UTF8.self)
        return s.unicodeScalars.map { $0.value < 32 || $0.value == 127 ? "?" : String($0) }.joined() + (bytes.count > 60 ? "…" : "")
    }
}
