// A bare TCP connection to the service, for tests of peers that do not speak gRPC properly:
// connect, write bytes (a few at a time, as a slow-loris client does), and tell whether the
// service has closed the connection.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class RawTCPConnection {
    private var fd: Int32
    /// Everything read from the peer so far.
    private(set) var received: [UInt8] = []

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Connects to 127.0.0.1:`port`.
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "connect: \(message)")
        }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Writes `bytes`; false once the peer has closed (no SIGPIPE: MSG_NOSIGNAL).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Whether the peer has closed the connection: reads whatever it has sent (a server's
    /// SETTINGS, a GOAWAY, a response) into `received`, and answers true at end of file or a
    /// reset. Never blocks.
    func peerHasClosed() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 {
                received += buffer.prefix(n)
                continue
            }
            if n == 0 { return true }
            if errno == EINTR { continue }
            return !(errno == EAGAIN || errno == EWOULDBLOCK)  // ECONNRESET and the like: closed.
        }
    }

    /// Closes this side.
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}

/// The client's HTTP/2 connection preface (RFC 9113 §3.4).
let http2Preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

/// Waits (without holding a thread: the service's own tasks need them) until the peer of every
/// connection in `connections` has closed it, or `timeout` passes; answers how many were closed.
func waitUntilClosedByPeer(_ connections: [RawTCPConnection], timeout: Duration) async -> Int {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    var closed = Set<Int>()
    while true {
        for (i, c) in connections.enumerated() where !closed.contains(i) && c.peerHasClosed() { closed.insert(i) }
        if closed.count == connections.count || ContinuousClock.now >= deadline { return closed.count }
        try? await Task.sleep(for: .milliseconds(20))
    }
}
