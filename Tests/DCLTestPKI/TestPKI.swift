// Throwaway TLS material for tests, made in process with swift-certificates: a certificate
// authority, a server certificate and a client certificate it signs (P-256, valid from an hour ago for a day), written
// as PEM files into a directory.

import Crypto
import Foundation
import SwiftASN1
import X509
import DCLTestScratch

public struct TestPKI {
    public let directory: String
    /// The authority's certificate: what a client passes as `--tls-ca`.
    public var caFile: String { directory + "/ca.pem" }
    /// The server's certificate and key: `--tls-cert` and `--tls-key`.
    public var certificateFile: String { directory + "/server.pem" }
    public var keyFile: String { directory + "/server-key.pem" }
    /// A client certificate the authority signs (extended key usage: client authentication) and
    /// its key: a device host's `--tls-cert` and `--tls-key` for a service that asks for one.
    public var clientCertificateFile: String { directory + "/client.pem" }
    public var clientKeyFile: String { directory + "/client-key.pem" }

    /// Makes an authority named `authority` and a server certificate naming `dnsNames` and
    /// `ipAddresses` (dotted IPv4), and writes the three files into a new temporary directory.
    public init(authority: String = "dcl test CA", dnsNames: [String] = ["localhost"], ipAddresses: [String] = ["127.0.0.1"]) throws {
        directory = try TestScratch.directory("pki").path
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName(authority) }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))
        let serverKey = P256.Signing.PrivateKey()
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        for ip in ipAddresses {
            let octets = ip.split(separator: ".").compactMap { UInt8($0) }
            names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(octets))))
        }
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(serverKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400, issuer: caName,
            subject: try DistinguishedName { CommonName(dnsNames.first ?? ipAddresses.first ?? "server") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(caKey))
        let clientKey = P256.Signing.PrivateKey()
        let client = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(clientKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400, issuer: caName,
            subject: try DistinguishedName { CommonName("device host") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: .init(caKey))
        try Self.write(try client.serializeAsPEM().pemString + "\n", to: directory + "/client.pem")
        try Self.write(clientKey.pemRepresentation + "\n", to: directory + "/client-key.pem")
        try Self.write(try ca.serializeAsPEM().pemString + "\n", to: directory + "/ca.pem")
        try Self.write(try server.serializeAsPEM().pemString + "\n", to: directory + "/server.pem")
        try Self.write(serverKey.pemRepresentation + "\n", to: directory + "/server-key.pem")
    }

    /// Writes `text` into the PKI's directory (a bad file for a test).
    public func file(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try Self.write(text, to: path)
        return path
    }

    public func remove() { try? FileManager.default.removeItem(atPath: directory) }

    private static func write(_ text: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
    }
}
