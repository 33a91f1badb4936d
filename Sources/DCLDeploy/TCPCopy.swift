// The physical reference for `dcl bench serve`'s weight transfer: the same number of bytes
// copied over a plain TCP connection on loopback (one thread writes 1 MiB buffers, another reads
// them to the end), with nothing else on the way — no framing, hashing or store.

import DCLDriver
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum TCPCopy {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Seconds to copy `bytes` bytes from one socket to another on 127.0.0.1.
    static func seconds(bytes: Int) throws -> Double {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 1) == 0 else { throw Failure(description: "bind/listen: \(String(cString: strerror(errno)))") }

        let received = ManagedCounter()
        let reader = Thread {
            let peer = accept(listener, nil, nil)
            guard peer >= 0 else { return }
            defer { close(peer) }
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(peer, $0.baseAddress, $0.count) }
                if n > 0 { received.add(n) } else if n == 0 || errno != EINTR { break }
            }
            received.finish()
        }
        let writer = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard writer >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        let start = ChildProcess.monotonicSeconds()
        reader.start()
        let connected = withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(writer, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            close(writer)
            throw Failure(description: "connect: \(String(cString: strerror(errno)))")
        }
        let chunk = [UInt8](repeating: 0x5a, count: 1 << 20)
        var left = bytes
        while left > 0 {
            let n = chunk.withUnsafeBytes { write(writer, $0.baseAddress, min(left, $0.count)) }
            if n > 0 { left -= n } else if errno != EINTR { close(writer); throw Failure(description: "write: \(String(cString: strerror(errno)))") }
        }
        shutdown(writer, Int32(SHUT_WR))
        received.waitFinished()
        let elapsed = ChildProcess.monotonicSeconds() - start
        close(writer)
        guard received.total == bytes else { throw Failure(description: "the reader got \(received.total) of \(bytes) bytes") }
        return elapsed
    }
}

/// Bytes the reader thread counted, and a signal when it is done.
private final class ManagedCounter: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0
    private var done = false
    var total: Int { condition.lock(); defer { condition.unlock() }; return count }
    func add(_ n: Int) { condition.lock(); count += n; condition.unlock() }
    func finish() { condition.lock(); done = true; condition.broadcast(); condition.unlock() }
    func waitFinished() { condition.lock(); while !done { condition.wait() }; condition.unlock() }
}
