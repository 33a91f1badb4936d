// `HOST:PORT` as users type it, and the rule that plaintext stays on loopback.

import GRPCNIOTransportHTTP2Posix

public struct FleetAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:7070`, `localhost:0`, `[::1]:7070`.
    public init(parsing text: String) throws {
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { throw FleetError.badAddress(text) }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw FleetError.badAddress(text) }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (0...65535).contains(port) else { throw FleetError.badAddress(text) }
        self.init(host: String(hostPart), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Loopback addresses: 127.0.0.0/8, ::1 and localhost.
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Plaintext is for loopback; anywhere else it needs TLS or `insecure`.
    func checkPlaintextAllowed(insecure: Bool) throws {
        if !isLoopback && !insecure { throw FleetError.insecureRefused(host: host) }
    }

    /// Whether the host is written as an IP address (else it is a name to resolve).
    var isIPAddress: Bool {
        host.contains(":") || (host.split(separator: ".", omittingEmptySubsequences: false).count == 4
                                   && host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { UInt8($0) != nil })
    }

    var socketAddress: SocketAddress {
        host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host == "localhost" ? "127.0.0.1" : host, port: port)
    }

    /// With TLS a name is resolved as a name, so that the certificate is checked against it (and
    /// sent as SNI); an IP address is checked against the certificate's IP addresses.
    func resolvableTarget(tls: Bool) -> any ResolvableTarget {
        if tls && !isIPAddress { return ResolvableTargets.DNS.dns(host: host, port: port) }
        return resolvableTarget
    }

    var resolvableTarget: any ResolvableTarget {
        host.contains(":") ? ResolvableTargets.IPv6.ipv6(address: host, port: port)
            : ResolvableTargets.IPv4.ipv4(address: host == "localhost" ? "127.0.0.1" : host, port: port)
    }
}
