// `dcl device FILE --cloud HOST:PORT --devices A..B` — a device host: one process holding the
// data of devices A through B of the script's device role, running the work the service sends
// for them (docs/deploy.md). The host evaluates only what the role's data needs — never the
// script's training, cloud data or prints — and returns when the service ends the run.

import ArgumentParser
import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLFleet
import DCLDriver
import DCLRuntime
import Foundation
import Logging

public struct DeviceHost: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Host devices of a script's device role for a service started with `dcl serve`.",
        discussion: """
        --devices takes an inclusive range A..B (or one index, or `all`) of the role's devices. The \
        join token is read from --join-token-file or DCL_JOIN_TOKEN (never the command line). \
        --seed and --set must be the service's: each device's data is derived from the script here, \
        and a task whose data fingerprint differs is refused.

        With --tls-ca the link is TLS: the service's certificate must be signed by a certificate of \
        that file and name the host of --cloud. SIGTERM or SIGINT makes the host leave gracefully: \
        it starts no new task, finishes and reports the ones running, tells the service it leaves \
        and exits; a second signal stops it at once.

        Exit status: 0 the service ended the run, 1 the script has errors, 2 usage (a bad TLS \
        file), 3 the service could not be reached, refused this host or presented a certificate \
        it does not trust, 143 (SIGTERM) or 130 (SIGINT) it left on a signal.
        """)

    @Option(help: "The service's address, HOST:PORT; or several replicas' sharing one store, HOST:PORT,HOST:PORT,… (tried in turn when one cannot be reached).") var cloud: String
    @Option(help: "Which devices this host holds: A..B (inclusive), N, or all.") var devices: String
    @Option(help: "The device role (default: the script's only one).") var role: String?
    @Option(help: "A file holding the run's join token.") var joinTokenFile: String?
    @Flag(help: "Allow plaintext to a non-loopback address (without --tls-ca).") var insecure = false
    @Option(help: "Connect with TLS, trusting the certificates in this PEM file to sign the service's.") var tlsCa: String?
    @Option(help: "With --tls-ca: this host's own PEM certificate, for a service started with --tls-client-ca; with --tls-key.") var tlsCert: String?
    @Option(help: "The PEM private key of --tls-cert.") var tlsKey: String?
    @Option(help: "Seed of the run (the service's).") var seed: UInt64 = 0
    @Option(help: "Kernel threads (default: the machine's cores).") var threads: Int?
    @Option(help: "MiB of fetched objects (graphs, weights, samples) the host keeps for later tasks, oldest out first.")
    var cacheMib: Int = FleetDeviceHost.Configuration.defaultCacheBytes >> 20
    @Option(help: "How the log on standard error is written: text (lines to read) or json (one object per line).") var logFormat: LogFormat = .text
    @OptionGroup var params: ParamOptions
    @ArgumentParser.Argument(help: "The script the service runs.") var file: String

    public func validate() throws {
        try validateThreads(threads)
        guard cacheMib >= 1, cacheMib <= 1 << 20 else { throw ValidationError("--cache-mib must be between 1 and 1048576 (got \(cacheMib))") }
        try validateClientCertificate(ca: tlsCa, certificate: tlsCert, key: tlsKey)
    }

    public func run() throws {
        let script = try ScriptLoading.load(file, command: "device", params: params)
        let c = script.checked, program = script.program, values = script.values
        let roles = Evaluator.deviceRoleNames(in: program.main)
        let roleName: String
        if let role {
            guard roles.contains(role) else { throw usage("the script has no device role `\(role)`; its device roles: \(Self.list(roles))") }
            roleName = role
        } else {
            guard roles.count == 1 else {
                throw usage(roles.isEmpty ? "the script declares no device role (`role device[N] { data: … }`)"
                                          : "the script has several device roles (\(Self.list(roles))): choose one with --role")
            }
            roleName = roles[0]
        }
        let address: FleetAddress, replicas: [FleetAddress], token: String, tls: FleetClientTLS?
        do {
            let addresses = try cloud.split(separator: ",", omittingEmptySubsequences: false).map { try FleetAddress(parsing: String($0)) }
            address = addresses[0]
            replicas = Array(addresses.dropFirst())
            tls = try tlsCa.map { try FleetClientTLS(trustRoots: $0, certificate: tlsCert, key: tlsKey) }
            token = try JoinToken.load(file: joinTokenFile)
        } catch {
            throw usage("\(error)")
        }
        // The role's data, derived as the service derives it; output is never printed here.
        let session = Session(threads: threads, output: { _ in }, progress: .quiet)
        let evaluator = Evaluator(program: program, hooks: session, seed: seed)
        evaluator.paramValues = values
        session.attach(evaluator)
        let clients: FederatedDataset
        do { clients = try evaluator.deviceRoleClients(roleName) } catch let e as RuntimeError {
            let failure = DiagnosticEngine()
            failure.emit(e.diagnostic)
            DiagnosticsFormat.text.report(failure, sources: c.sources)
            throw ExitCode(ExitStatus.runtime)
        }
        let range: ClosedRange<Int>
        switch DeviceRange.parse(devices, count: clients.count) {
        case .success(let r): range = r
        case .failure(let e): throw usage(e.message)
        }
        var mine: [Int: ClientData] = [:]
        for i in range { mine[i] = clients.clients[i] }
        let worker = DeviceWorker(role: roleName, devices: mine, pool: session.pool, evaluator: evaluator)
        let host: FleetDeviceHost
        do {
            var configuration = FleetDeviceHost.Configuration(service: address, devices: range.lowerBound..<(range.upperBound + 1), joinToken: token,
                                                              insecure: insecure, tls: tls)
            configuration.replicas = replicas
            configuration.cacheBytes = cacheMib << 20
            host = try FleetDeviceHost(configuration) { item in
                guard let kind = DeviceTaskKind(rawValue: item.kind) else {
                    throw DeviceTaskError(code: RuntimeCode.deployment, message: "unknown kind of device work `\(item.kind.prefix(40))`", hint: nil)
                }
                switch worker.handle(DeviceTask(device: item.device, kind: kind, spec: item.spec, blobs: item.blobs)) {
                case .success(let r): return WorkOutcome(spec: r.spec, blobs: r.blobs)
                case .failure(let e): throw e
                }
            }
        } catch {
            throw usage("\(error)")
        }
        let log = self.log
        let held: Logger.Metadata = ["first_device": .stringConvertible(range.lowerBound), "last_device": .stringConvertible(range.upperBound)]
        log.event("joining", "devices \(range.lowerBound)..\(range.upperBound) of `\(roleName)` joining \(address)\(tls == nil ? "" : " (TLS)")",
                  held.merging(["role": .string(roleName), "service": .string("\(address)"), "tls": .stringConvertible(tls != nil)]) { $1 })
        let signals = ShutdownSignals(command: "device") { signal in
            log.event("leaving", "\(ShutdownSignals.name(signal)): leaving once the tasks running finish", ["signal": .string(ShutdownSignals.name(signal))])
            host.leave()
        }
        do {
            try host.runBlocking()
        } catch {
            log.event("error", "\(error)", level: .error, held)
            throw ExitCode(ExitStatus.runtime)
        }
        if let signal = signals.received {
            log.event("left", "left on \(ShutdownSignals.name(signal)) (devices \(range.lowerBound)..\(range.upperBound)); exit status \(ShutdownSignals.exitStatus(signal))",
                      held.merging(["signal": .string(ShutdownSignals.name(signal)), "exit_status": .stringConvertible(Int(ShutdownSignals.exitStatus(signal)))]) { $1 })
            throw ExitCode(ShutdownSignals.exitStatus(signal))
        }
        log.event("finished", "the service ended the run (devices \(range.lowerBound)..\(range.upperBound))", held)
    }

    /// The host's log on standard error (`--log-format`).
    private var log: Logger { DeployLog.logger(command: "device", format: logFormat) }

    private func usage(_ message: String) -> ExitCode {
        log.event("usage", message, level: .error)
        return ExitCode(ExitStatus.usage)
    }

    static func list(_ xs: [String]) -> String { xs.map { "`\($0)`" }.joined(separator: ", ") }
}
