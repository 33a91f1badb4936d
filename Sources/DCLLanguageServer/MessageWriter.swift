// Writes framed messages to a file descriptor. Responses come from the message loop and from
// the analysis queue, so writes are serialised by a lock; a closed peer (EPIPE) ends writing
// quietly (the process ignores SIGPIPE, see `LanguageServer.run`).

import Foundation

public final class MessageWriter: @unchecked Sendable {
    let fd: Int32
    private let lock = NSLock()
    private var broken = false

    public init(fd: Int32) { self.fd = fd }

    public func send(_ message: JSON) {
        let body: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            body = try encoder.encode(message)
        } catch {
            return  // a JSON tree always encodes; nothing sensible to send otherwise
        }
        var bytes = Array("Content-Length: \(body.count)\r\n\r\n".utf8)
        bytes.append(contentsOf: body)
        lock.lock()
        defer { lock.unlock() }
        guard !broken else { return }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                broken = true
                return
            }
            written += n
        }
    }
}
