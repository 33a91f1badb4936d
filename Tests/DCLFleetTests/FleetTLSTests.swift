// TLS on the fleet link, with certificates made in this process (DCLTestPKI): a round and a
// status query over TLS; a client that does not trust the service's certificate, or whose
// certificate does not name the host it dials, fails at once saying so; bad files are errors that
// name them.

import DCLTestPKI
import Foundation
import Testing
@testable import DCLFleet

@Suite(.timeLimit(.minutes(3))) struct FleetTLSTests {
    @Test func aRoundAndStatusRunOverTLS() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let service = try await startService(tls: try FleetServerTLS(certificate: pki.certificateFile, key: pki.keyFile))
        let trust = try FleetClientTLS(trustRoots: pki.caFile)
        // One host dials the IP address (checked against the certificate's IP addresses), one the
        // name (checked against its DNS names).
        let a = try RunningHost(port: service.port, devices: 0..<2, tls: trust, handler: echo)
        let b = try RunningHost(port: service.port, devices: 2..<4, host: "localhost", tls: trust, handler: echo)
        try await service.devicesJoined(0..<4, timeout: .seconds(30))
        let items = (0..<4).map { WorkItem(device: $0, kind: "echo", spec: [UInt8($0)], blobs: [bytes(3000, seed: UInt64($0))]) }
        let report = try await service.round(items, policy: RoundPolicy(timeout: .seconds(60)))
        for (item, result) in zip(items, report.results) {
            #expect(result == .success(WorkOutcome(spec: Array("\(item.device):".utf8) + item.spec, blobs: item.blobs)))
        }
        // A new connection and handshake: under a loaded machine (the suite at once, BoringSSL
        // unoptimised in a debug build) that can take longer than status's 5 s default.
        let status = try await FleetStatus.query(FleetAddress(host: "127.0.0.1", port: service.port), joinToken: testJoinToken, tls: trust,
                                                 timeout: .seconds(60))
        #expect(status.devicesRegistered == 4 && status.tasksDone == 4)
        try await service.finishRun()
        try await a.task.value
        try await b.task.value
        await service.stop()
    }

    @Test func aServiceWithAClientCAServesHostsWithItsCertificatesAndRefusesTheRest() async throws {
        let pki = try TestPKI(), stranger = try TestPKI(authority: "another CA")
        defer { pki.remove(); stranger.remove() }
        let service = try await startService(tls: try FleetServerTLS(certificate: pki.certificateFile, key: pki.keyFile, clientCA: pki.caFile))
        let address = FleetAddress(host: "127.0.0.1", port: service.port)
        let member = try FleetClientTLS(trustRoots: pki.caFile, certificate: pki.clientCertificateFile, key: pki.clientKeyFile)
        let host = try RunningHost(port: service.port, devices: 0..<2, tls: member, handler: echo)
        try await service.devicesJoined(0..<2, timeout: .seconds(30))
        let items = (0..<2).map { WorkItem(device: $0, kind: "echo", spec: [UInt8($0)], blobs: [bytes(100, seed: UInt64($0))]) }
        let report = try await service.round(items, policy: RoundPolicy(timeout: .seconds(60)))
        #expect(report.results.allSatisfy { if case .success = $0 { return true }; return false })
        let status = try await FleetStatus.query(address, joinToken: testJoinToken, tls: member, timeout: .seconds(60))
        #expect(status.tasksDone == 2)
        // Without a certificate, and with one another authority signed: refused, saying which.
        let refusals: [(FleetClientTLS, String)] = [
            (try FleetClientTLS(trustRoots: pki.caFile), "asks for a client certificate"),
            (try FleetClientTLS(trustRoots: pki.caFile, certificate: stranger.clientCertificateFile, key: stranger.clientKeyFile),
             "does not accept the client certificate"),
        ]
        for (tls, said) in refusals {
            do {
                _ = try await FleetStatus.query(address, joinToken: testJoinToken, tls: tls, timeout: .seconds(30))
                Issue.record("a client without a certificate the client CA signed was served")
            } catch let error as FleetError {
                #expect("\(error)".contains(said), "\(error)")
            }
        }
        try await service.finishRun()
        try await host.task.value
        await service.stop()
    }

    @Test func aClientCertificateNeedsItsKey() throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        #expect(throws: FleetError.self) { try FleetClientTLS(trustRoots: pki.caFile, certificate: pki.clientCertificateFile) }
        do {
            _ = try FleetClientTLS(trustRoots: pki.caFile, certificate: pki.clientCertificateFile, key: pki.keyFile)
            Issue.record("a client certificate was accepted with another certificate's key")
        } catch let error as FleetError {
            #expect("\(error)".contains("does not match"), "\(error)")
        }
    }

    @Test func aClientThatDoesNotTrustTheServiceSaysSoAndDoesNotRetry() async throws {
        let pki = try TestPKI(), stranger = try TestPKI(authority: "another CA")
        defer { pki.remove(); stranger.remove() }
        let service = try await startService(tls: try FleetServerTLS(certificate: pki.certificateFile, key: pki.keyFile))
        let distrust = try FleetClientTLS(trustRoots: stranger.caFile)
        let address = FleetAddress(host: "127.0.0.1", port: service.port)
        let started = ContinuousClock.now
        do {
            // A generous deadline: under a loaded machine (the whole suite at once) the failed
            // handshake must be what ends the call, not the call's own timeout.
            _ = try await FleetStatus.query(address, joinToken: testJoinToken, tls: distrust, timeout: .seconds(30))
            Issue.record("a status query trusted a certificate from another authority")
        } catch let error as FleetError {
            #expect("\(error)".contains("does not trust"), "\(error)")
            #expect("\(error)".contains(stranger.caFile), "\(error)")
        }
        // A host gives up at once rather than backing off for minutes.
        let host = try RunningHost(port: service.port, devices: 0..<1, tls: distrust, handler: echo)
        do {
            try await host.task.value
            Issue.record("a host ran against a certificate it does not trust")
        } catch let error as FleetError {
            #expect("\(error)".contains("does not trust"), "\(error)")
        }
        #expect(started.duration(to: .now) < .seconds(45))
        // And a plaintext client gets nowhere with a TLS service.
        await #expect(throws: (any Error).self) {
            _ = try await FleetStatus.query(address, joinToken: testJoinToken, timeout: .seconds(3))
        }
        await service.stop()
    }

    @Test func theHostNameIsChecked() async throws {
        // Signed by a trusted authority, but for another name and no IP address.
        let pki = try TestPKI(dnsNames: ["fleet.example"], ipAddresses: [])
        defer { pki.remove() }
        let service = try await startService(tls: try FleetServerTLS(certificate: pki.certificateFile, key: pki.keyFile))
        let trust = try FleetClientTLS(trustRoots: pki.caFile)
        for host in ["127.0.0.1", "localhost"] {
            do {
                _ = try await FleetStatus.query(FleetAddress(host: host, port: service.port), joinToken: testJoinToken, tls: trust, timeout: .seconds(30))
                Issue.record("a certificate for fleet.example was accepted for \(host)")
            } catch let error as FleetError {
                #expect("\(error)".contains("does not name \(host)") || "\(error)".contains("does not trust"), "\(error)")
            }
        }
        await service.stop()
    }

    @Test func badFilesAreErrorsNamingThem() throws {
        let pki = try TestPKI(), other = try TestPKI()
        defer { pki.remove(); other.remove() }
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch { return "\(error)" }
            return "no error"
        }
        let missing = pki.directory + "/nope.pem"
        #expect(message { _ = try FleetServerTLS(certificate: missing, key: pki.keyFile) }.contains("cannot read the certificate file \(missing)"))
        #expect(message { _ = try FleetServerTLS(certificate: pki.certificateFile, key: missing) }.contains("cannot read the private key file \(missing)"))
        let text = try pki.file("text.pem", "hello\n")
        #expect(message { _ = try FleetServerTLS(certificate: text, key: pki.keyFile) }.contains("\(text) holds no PEM certificate"))
        #expect(message { _ = try FleetServerTLS(certificate: pki.certificateFile, key: text) }.contains("\(text) holds no PEM private key"))
        #expect(message { _ = try FleetClientTLS(trustRoots: text) }.contains("\(text) holds no PEM CA certificate"))
        #expect(message { _ = try FleetClientTLS(trustRoots: missing) }.contains(missing))
        let mismatch = message { _ = try FleetServerTLS(certificate: pki.certificateFile, key: other.keyFile) }
        #expect(mismatch.contains("the private key in \(other.keyFile) does not match the certificate in \(pki.certificateFile)"), "\(mismatch)")
        // Plaintext off loopback is still refused, and the message points at TLS.
        let refused = message { _ = try FleetAddress(host: "10.1.2.3", port: 7070).checkPlaintextAllowed(insecure: false) }
        #expect(refused.contains("--tls-cert") && refused.contains("--insecure"), "\(refused)")
    }
}
