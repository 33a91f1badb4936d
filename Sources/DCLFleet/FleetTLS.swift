// TLS for the fleet link: the service's certificate chain and key (`--tls-cert`, `--tls-key`)
// and the trust roots a client checks it against (`--tls-ca`). Files are read and checked here,
// before any socket opens, so that a bad file is an error naming it rather than a failed
// handshake later: unreadable, not PEM, or a key that is not the certificate's.

import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOSSL
import X509

/// The service's side: a PEM certificate chain (leaf first) and the leaf's PEM private key.
public struct FleetServerTLS: Sendable {
    public let certificatePath: String
    public let keyPath: String
    let chain: [[UInt8]]
    let key: [UInt8]

    /// Reads and checks both files: each must hold PEM, and the key must be the leaf's.
    public init(certificate certificatePath: String, key keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        let certificateText = try FleetTLSFile.read(certificatePath, what: "certificate")
        let keyText = try FleetTLSFile.read(keyPath, what: "private key")
        let chain = try FleetTLSFile.certificates(certificateText, path: certificatePath, what: "certificate")
        let privateKey: Certificate.PrivateKey
        do { privateKey = try Certificate.PrivateKey(pemEncoded: keyText) } catch {
            throw FleetError.tls("\(keyPath) holds no PEM private key (expected -----BEGIN PRIVATE KEY-----): \(error)")
        }
        guard privateKey.publicKey == chain[0].certificate.publicKey else {
            throw FleetError.tls("the private key in \(keyPath) does not match the certificate in \(certificatePath)")
        }
        self.chain = chain.map { Array($0.pem.utf8) }
        self.key = Array(keyText.utf8)
    }

    var transportSecurity: HTTP2ServerTransport.Posix.TransportSecurity {
        .tls(certificateChain: chain.map { .bytes($0, format: .pem) }, privateKey: .bytes(key, format: .pem))
    }
}

/// A client's side: the certificates it trusts to sign the service's (one PEM file, one or more
/// certificates). The service's certificate must also name the host the client dials (a DNS name
/// or an IP address among its subject alternative names).
public struct FleetClientTLS: Sendable {
    public let trustRootsPath: String
    let roots: [[UInt8]]

    public init(trustRoots path: String) throws {
        trustRootsPath = path
        let text = try FleetTLSFile.read(path, what: "CA certificate")
        roots = try FleetTLSFile.certificates(text, path: path, what: "CA certificate").map { Array($0.pem.utf8) }
    }

    var transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        .tls { config in
            config.trustRoots = .certificates(roots.map { .bytes($0, format: .pem) })
            config.serverCertificateVerification = .fullVerification
        }
    }

    /// What a failed connection means when the cause is the service's certificate: nil when the
    /// error is not a TLS verification failure.
    func distrust(_ error: any Error, address: FleetAddress) -> FleetError? {
        guard let reason = FleetTLSFile.handshakeFailure(error) else { return nil }
        return FleetError.tls("the service at \(address) presented a certificate that \(trustRootsPath) does not trust "
                              + "(or that does not name \(address.host)): \(reason)")
    }
}

enum FleetTLSFile {
    static func read(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FleetError.tls("cannot read the \(what) file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw FleetError.tls("\(path) is not a PEM \(what) file (not text)") }
        return text
    }

    /// Every `CERTIFICATE` block of a PEM file, in order; at least one.
    static func certificates(_ text: String, path: String, what: String) throws -> [(certificate: Certificate, pem: String)] {
        let begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----"
        var certificates: [(certificate: Certificate, pem: String)] = []
        var rest = Substring(text)
        while let start = rest.range(of: begin) {
            guard let stop = rest.range(of: end, range: start.upperBound..<rest.endIndex) else { break }
            let pem = String(rest[start.lowerBound..<stop.upperBound])
            do { certificates.append((try Certificate(pemEncoded: pem), pem + "\n")) } catch {
                throw FleetError.tls("\(path) has a \(what) block that does not parse: \(error)")
            }
            rest = rest[stop.upperBound...]
        }
        guard !certificates.isEmpty else { throw FleetError.tls("\(path) holds no PEM \(what) (expected -----BEGIN CERTIFICATE-----)") }
        return certificates
    }

    /// The certificate-verification failure somewhere in an error's causes, described.
    static func handshakeFailure(_ error: any Error) -> String? {
        var seen: [any Error] = [error]
        var texts: [String] = []
        while let next = seen.popLast() {
            let text = String(describing: next)
            texts.append(text)
            if next is NIOSSLError || next is BoringSSLError { return text }
            if let rpc = next as? RPCError, let cause = rpc.cause { seen.append(cause) }
            if let runtime = next as? GRPCCore.RuntimeError, let cause = runtime.cause { seen.append(cause) }
            if texts.count > 8 { break }
        }
        let all = texts.joined(separator: " ")
        for marker in ["CERTIFICATE_VERIFY_FAILED", "handshakeFailed", "unableToValidateCertificate", "certificate"] where all.contains(marker) {
            return texts.last(where: { $0.contains(marker) }) ?? all
        }
        return nil
    }
}
