// `dcl status HOST:PORT` — a fleet service's devices, round, tasks and traffic (docs/deploy.md).

import ArgumentParser
import DCLDriver
import DCLFleet
import Foundation

public struct StatusCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a fleet service's devices, current round, tasks and bytes on the wire.",
        discussion: """
            Asks the service at HOST:PORT with the run's join token, read from --join-token-file or the \
            DCL_JOIN_TOKEN environment variable (never from the command line); with --tls-ca over TLS. \
            Exit status: 0 with the status printed, 3 when no service answers there, it refuses the \
            token or its certificate is not trusted, 2 for usage errors.
            """)

    @Argument(help: "The service's address, HOST:PORT.") var address: String
    @Option(help: "A file holding the run's join token.") var joinTokenFile: String?
    @Flag(help: "Allow plaintext to a non-loopback address (without --tls-ca).") var insecure = false
    @Option(help: "Connect with TLS, trusting the certificates in this PEM file to sign the service's.") var tlsCa: String?
    @Option(help: "With --tls-ca: a PEM client certificate, for a service started with --tls-client-ca; with --tls-key.") var tlsCert: String?
    @Option(help: "The PEM private key of --tls-cert.") var tlsKey: String?

    public func validate() throws { try validateClientCertificate(ca: tlsCa, certificate: tlsCert, key: tlsKey) }

    public func run() throws {
        let target: FleetAddress
        let token: String
        let tls: FleetClientTLS?
        do {
            target = try FleetAddress(parsing: address)
            tls = try tlsCa.map { try FleetClientTLS(trustRoots: $0, certificate: tlsCert, key: tlsKey) }
            token = try JoinToken.load(file: joinTokenFile)
        } catch {
            throw ValidationError("\(error)")
        }
        do {
            let status = try FleetStatus.queryBlocking(target, joinToken: token, insecure: insecure, tls: tls)
            print(status.lines.joined(separator: "\n"))
        } catch {
            FileHandle.standardError.write(Data("dcl status: error: \(error)\n".utf8))
            throw ExitCode(ExitStatus.runtime)
        }
    }
}
