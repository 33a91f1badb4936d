// TLS for the fleet link: the service's certificate chain and key (`--tls-cert`, `--tls-key`)
// and the trust roots a client checks it against (`--tls-ca`). Files are read and checked here,
// before any socket opens, so that a bad file is an error naming it rather than a failed
// handshake later: unreadable, not PEM, or a key that is not the certificate's.

import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOSSL
import X509

/// The service's side: a PEM certificate chain (leaf first) and the leaf's PEM private key; with
/// `clientCA`, also the authorities whose certificates device hosts and `dcl status` must
/// present (mutual TLS).
public struct FleetServerTLS: Sendable {
    public let certificatePath: String
    public let keyPath: String
    /// The PEM file of authorities a client's certificate must be signed by; nil: clients
    /// present none.
    public let clientCAPath: String?
    let chain: [[UInt8]]
    let key: [UInt8]
    let clientRoots: [[UInt8]]?

    /// Reads and checks the files: each must hold PEM, and the key must be the leaf's.
    public init(certificate certificatePath: String, key keyPath: String, clientCA: String? = nil) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.clientCAPath = clientCA
        let identity = try FleetTLSFile.identity(certificate: certificatePath, key: keyPath)
        chain = identity.chain
        key = identity.key
        clientRoots = try clientCA.map { path in
            try FleetTLSFile.certificates(try FleetTLSFile.read(path, what: "client CA certificate"), path: path, what: "client CA certificate")
                .map { Array($0.pem.utf8) }
        }
    }

    var transportSecurity: HTTP2ServerTransport.Posix.TransportSecurity {
        let certificates = chain.map { TLSConfig.CertificateSource.bytes($0, format: .pem) }
        guard let clientRoots else { return .tls(certificateChain: certificates, privateKey: .bytes(key, format: .pem)) }
        return .mTLS(certificateChain: certificates, privateKey: .bytes(key, format: .pem)) { config in
            config.trustRoots = .certificates(clientRoots.map { .bytes($0, format: .pem) })
            // A client certificate names a host, not an address the service could check.
            config.clientCertificateVerification = .noHostnameVerification
        }
    }
}

/// A client's side: the certificates it trusts to sign the service's (one PEM file, one or more
/// certificates). The service's certificate must also name the host the client dials (a DNS name
/// or an IP address among its subject alternative names).
public struct FleetClientTLS: Sendable {
    public let trustRootsPath: String
    /// The client's own certificate (for a service that asks for one: mutual TLS), if any.
    public let certificatePath: String?
    let roots: [[UInt8]]
    let identity: (chain: [[UInt8]], key: [UInt8])?

    /// `certificate` and `key`: the client's own PEM certificate chain and key, for a service
    /// started with a client CA (both or neither).
    public init(trustRoots path: String, certificate: String? = nil, key: String? = nil) throws {
        trustRootsPath = path
        certificatePath = certificate
        let text = try FleetTLSFile.read(path, what: "CA certificate")
        roots = try FleetTLSFile.certificates(text, path: path, what: "CA certificate").map { Array($0.pem.utf8) }
        switch (certificate, key) {
        case (let c?, let k?): identity = try FleetTLSFile.identity(certificate: c, key: k)
        case (nil, nil): identity = nil
        default: throw FleetError.tls("a client certificate and its key go together (--tls-cert and --tls-key)")
        }
    }

    var transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        let roots = self.roots
        func configure(_ config: inout HTTP2ClientTransport.Posix.TransportSecurity.TLS) {
            config.trustRoots = .certificates(roots.map { .bytes($0, format: .pem) })
            config.serverCertificateVerification = .fullVerification
        }
        guard let identity else { return .tls(configure: configure) }
        return .mTLS(certificateChain: identity.chain.map { .bytes($0, format: .pem) }, privateKey: .bytes(identity.key, format: .pem), configure: configure)
    }

    /// What a failed connection means when the cause is the service's certificate: nil when the
    /// error is not a TLS verification failure.
    func distrust(_ error: any Error, address: FleetAddress) -> FleetError? {
        guard let reason = FleetTLSFile.handshakeFailure(error) else { return nil }
        // The service refusing this client's certificate (or its lack of one) arrives as an
        // alert from the peer; a certificate this client does not trust fails here.
        if reason.contains("CERTIFICATE_REQUIRED") || (identity == nil && reason.contains("ALERT_HANDSHAKE_FAILURE")) {
            return FleetError.tls("the service at \(address) asks for a client certificate: give this host one signed by the service's client CA (--tls-cert and --tls-key): \(reason)")
        }
        if let certificatePath, reason.contains("ALERT_UNKNOWN_CA") || reason.contains("ALERT_BAD_CERTIFICATE") || reason.contains("ALERT_CERTIFICATE_UNKNOWN") {
            return FleetError.tls("the service at \(address) does not accept the client certificate \(certificatePath) (not signed by its client CA?): \(reason)")
        }
        return FleetError.tls("the service at \(address) presented a certificate that \(trustRootsPath) does not trust "
                              + "(or that does not name \(address.host)): \(reason)")
    }
}

enum FleetTLSFile {
    /// A PEM certificate chain and the leaf's PEM private key, checked to belong together.
    static func identity(certificate certificatePath: String, key keyPath: String) throws -> (chain: [[UInt8]], key: [UInt8]) {
        let certificateText = try read(certificatePath, what: "certificate")
        let keyText = try read(keyPath, what: "private key")
        let chain = try certificates(certificateText, path: certificatePath, what: "certificate")
        let privateKey: Certificate.PrivateKey
        do { privateKey = try Certificate.PrivateKey(pemEncoded: keyText) } catch {
            throw FleetError.tls("\(keyPath) holds no PEM private key (expected -----BEGIN PRIVATE KEY-----): \(error)")
        }
        guard privateKey.publicKey == chain[0].certificate.publicKey else {
            throw FleetError.tls("the private key in \(keyPath) does not match the certificate in \(certificatePath)")
        }
        return (chain.map { Array($0.pem.utf8) }, Array(keyText.utf8))
    }

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
