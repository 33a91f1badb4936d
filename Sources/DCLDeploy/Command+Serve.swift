// `dcl serve FILE --listen HOST:PORT` — the cloud side of a deployed run. The script runs here
// as `dcl run` runs it (same seed, same output), except that work on one device's own data —
// `train … on d.train`, `evaluate(…, on: d.test)` — is sent to the host that joined for that
// device (`dcl device`), and device data is never computed on here (docs/deploy.md).

import ArgumentParser
import DCLCompiler
import DCLDiagnostics
import DCLFleet
import DCLDriver
import DCLRuntime
import Foundation
import Logging

public struct Serve: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a script's cloud side as a service that device hosts (`dcl device`) join.",
        discussion: """
        The join token is read from --join-token-file or DCL_JOIN_TOKEN (never the command line). \
        Hosts may join before or after the service starts: work for a device waits up to \
        --join-timeout seconds for its host. The run's seed and --set values must be the device \
        hosts' too: every task carries a fingerprint of the device's data and a host whose data \
        differs refuses it.

        SIGTERM or SIGINT stops the service gracefully: no task is handed out any more, tasks in \
        flight may finish (at most --drain-timeout seconds), the rest are recorded as dropped in \
        the store, the hosts are told the run is over and the listener closes. A second signal \
        stops it at once.

        Exit status: 0 the script ran, 1 it has errors, 2 usage (a bad address, no token, a bad \
        TLS file), 3 a run-time error (including device work that did not come back: E0508), \
        143 (SIGTERM) or 130 (SIGINT) stopped by a signal after draining.
        """)

    @Option(help: "Where to listen, HOST:PORT (port 0: any free port; see --port-file).") var listen: String
    @Option(help: "Where the service keeps runs, rounds, tasks and objects: memory (the default), sqlite:PATH, or postgres://USER@HOST:PORT/DATABASE.") var store: String?
    @Option(help: "A file holding the run's join token.") var joinTokenFile: String?
    @Flag(help: "Allow plaintext on a non-loopback address (without --tls-cert).") var insecure = false
    @Option(help: "Serve TLS with this PEM certificate chain (leaf first); with --tls-key.") var tlsCert: String?
    @Option(help: "The PEM private key of --tls-cert.") var tlsKey: String?
    @Option(help: "With --tls-cert: hosts and `dcl status` must present a certificate signed by an authority in this PEM file (mutual TLS).") var tlsClientCa: String?
    @Option(help: "Seconds that tasks in flight may take to finish after SIGTERM or SIGINT.") var drainTimeout: Double = 30
    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (no authentication: keep it on a private address).") var metricsListen: String?
    @Option(help: "Write the bound port to this file once listening (for port 0).") var portFile: String?
    @Option(help: .hidden) var driverFile: String?
    @Option(help: "Seconds to wait for a device's host the first time the script sends it work.") var joinTimeout: Double = 120
    @Option(help: "Seconds a device task may take before its device counts as dropped.") var taskTimeout: Double = 600
    @Option(help: "Seed of every random choice; the device hosts need the same one.") var seed: UInt64 = 0
    @Option(help: "Kernel threads (default: the machine's cores).") var threads: Int?
    @Flag(help: "No training progress lines.") var quiet = false
    @Flag(help: "Log every round (its work, devices and bytes on the wire) on standard error.") var logRounds = false
    @Option(help: "How the log on standard error is written: text (lines to read) or json (one object per line).") var logFormat: LogFormat = .text
    @OptionGroup var params: ParamOptions
    @ArgumentParser.Argument(help: "The script to serve.") var file: String

    public func validate() throws {
        try validateThreads(threads)
        guard joinTimeout > 0, joinTimeout.isFinite, taskTimeout > 0, taskTimeout.isFinite else {
            throw ValidationError("--join-timeout and --task-timeout are positive numbers of seconds")
        }
        guard drainTimeout >= 0, drainTimeout.isFinite else { throw ValidationError("--drain-timeout is a number of seconds, 0 or more") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard tlsClientCa == nil || tlsCert != nil else { throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key (mutual TLS is TLS first)") }
    }

    public func run() throws {
        let log = DeployLog.logger(command: "serve", format: logFormat)
        let script = try ScriptLoading.load(file, command: "serve", params: params)
        let c = script.checked, program = script.program, values = script.values
        let address: FleetAddress, token: String, fleetStore: any FleetStore, tls: FleetServerTLS?, metricsAddress: FleetAddress?
        do {
            address = try FleetAddress(parsing: listen)
            metricsAddress = try metricsListen.map { try FleetAddress(parsing: $0) }
            tls = try tlsCert.map { try FleetServerTLS(certificate: $0, key: tlsKey!, clientCA: tlsClientCa) }
            token = try JoinToken.load(file: joinTokenFile)
            fleetStore = try FleetStoreSpec.open(store)
        } catch {
            log.event("usage", "\(error)", level: .error)
            throw ExitCode(ExitStatus.usage)
        }
        let service: FleetService
        do {
            let runKey = RunKey.of(version: dclVersion, sources: c.sources.files.map(\.bytes), seed: seed, assignments: params.assignments)
            service = try FleetService.startBlocking(.init(address: address, insecure: insecure, tls: tls, joinToken: token, store: fleetStore,
                                                           metricsAddress: metricsAddress, runKey: runKey, events: { log.fleetEvent($0) }))
        } catch {
            log.event("usage", "\(error)", level: .error)
            throw ExitCode(ExitStatus.usage)
        }
        defer { service.shutdown() }
        if let portFile {
            // Written whole, then renamed: a reader never sees half a number.
            let tmp = portFile + ".tmp"
            guard FileManager.default.createFile(atPath: tmp, contents: Data("\(service.port)\n".utf8)), rename(tmp, portFile) == 0 else {
                log.event("usage", "cannot write \(portFile)", level: .error, ["path": .string(portFile)])
                throw ExitCode(ExitStatus.usage)
            }
        }
        let bound = "\(FleetAddress(host: service.host, port: service.port))"
        let security = tls == nil ? "" : tlsClientCa == nil ? " (TLS)" : " (TLS, client certificates required)"
        log.event("listening", "listening on \(bound)\(security)",
                  ["address": .string(bound), "tls": .stringConvertible(tls != nil), "client_certificates": .stringConvertible(tlsClientCa != nil)])
        if service.resumedRun && !service.replicated {
            let done = (try? service.tasksDoneNow()) ?? 0
            log.event("resuming", "resuming run \(service.runID) of the store: the script replays it, and the \(done) device task\(done == 1 ? "" : "s") already answered are not sent again",
                      ["run": .stringConvertible(service.runID), "tasks_done": .stringConvertible(done)])
        }
        if let metricsAddress, let port = service.metricsPort {
            let url = "http://\(FleetAddress(host: metricsAddress.host, port: port))/metrics"
            log.event("metrics", "metrics at \(url)", ["url": .string(url)])
        }
        let drainTimeout = self.drainTimeout
        let signals = ShutdownSignals(command: "serve") { signal in
            log.event("draining", "\(ShutdownSignals.name(signal)): draining (no new tasks; tasks in flight have up to \(drainTimeout) s)",
                      ["signal": .string(ShutdownSignals.name(signal)), "drain_timeout_s": .stringConvertible(drainTimeout)])
            service.drain(timeout: .milliseconds(Int64(min(drainTimeout, 1e9) * 1000)))
            // The script may be busy on the service's side (cloud training) rather than in a round:
            // it is interrupted at its next batch or statement (below), and the drain timeout
            // bounds the stop all the same.
            DispatchQueue.global().asyncAfter(deadline: .now() + min(drainTimeout, 1e9) + 15) {
                log.event("drain-expired", "still running \(drainTimeout) s after \(ShutdownSignals.name(signal)) plus 15 s: stopping now", level: .warning,
                          ["signal": .string(ShutdownSignals.name(signal))])
                try? service.finish()
                service.waitForHostsToLeave(timeout: .seconds(5))
                Foundation.exit(ShutdownSignals.exitStatus(signal))
            }
        }
        if service.replicated {
            guard try driveOrStandBy(service, log: log, signals: signals) else { return }
        }
        let devices = FleetDevices(service: service, policy: RoundPolicy(minResponses: 1, timeout: .milliseconds(Int64(min(taskTimeout, 1e9) * 1000))),
                                   joinTimeout: .milliseconds(Int64(min(joinTimeout, 1e9) * 1000)))
        if logRounds { devices.roundLog = { log.event("round", $0.line, $0.fields) } }
        devices.dropLog = { round, device, reason in
            log.event("dropped", "round \(round): device \(device) dropped: \(reason)", level: .warning,
                      ["round": .stringConvertible(round), "device": .stringConvertible(device), "reason": .string(reason)])
        }
        let session = Session(threads: threads, output: { line in
            print(line)
            fflush(stdout)
        }, progress: quiet ? .quiet : .lines(barOnStandardError: false))
        session.deviceExecutor = devices
        let evaluator = Evaluator(program: program, hooks: session, seed: seed)
        evaluator.paramValues = values
        // After a signal the script stops at its next batch or statement; a round in progress
        // still drains (its tasks in flight finish).
        evaluator.shouldInterrupt = { signals.received != nil }
        session.attach(evaluator)
        var failed = false
        do {
            try evaluator.run()
        } catch let e as RuntimeError {
            // After a signal the run stops where the drain left it: that is the report, not the
            // devices it left out.
            if service.replicated && service.supersededNow {
                // Another replica drives the run now (this one was cut off from the store): it
                // must not finish the run, and its hosts go on through the other replicas.
                log.event("superseded", "another replica took over driving run \(service.runID); this one stops", level: .warning,
                          ["run": .stringConvertible(service.runID)])
                service.shutdown()
                throw ExitCode(ExitStatus.runtime)
            }
            if signals.received == nil {
                let failure = DiagnosticEngine()
                failure.emit(e.diagnostic)
                (logFormat == .json ? DiagnosticsFormat.json : .text).report(failure, sources: c.sources)
            }
            failed = true
        } catch {
            if signals.received == nil { log.event("error", "\(error)", level: .error) }
            failed = true
        }
        // The hosts end when the run does, also when it failed: each is told at its next poll
        // (at once when it is waiting in one) before the server stops.
        try? service.finish()
        service.waitForHostsToLeave(timeout: .seconds(12))
        log.event("finished", "\(devices.rounds) device task\(devices.rounds == 1 ? "" : "s"), \(devices.bytesUp) bytes up, \(devices.bytesDown) bytes down",
                  ["tasks": .stringConvertible(devices.rounds), "bytes_up": .stringConvertible(devices.bytesUp), "bytes_down": .stringConvertible(devices.bytesDown)])
        if let signal = signals.received {
            let counts = try? service.countsNow()
            let tasks = counts.map { c in "\(c.tasks[.done] ?? 0) done, \(c.tasks[.dropped] ?? 0) dropped" } ?? "task counts unavailable"
            service.shutdown()
            var fields: Logger.Metadata = ["signal": .string(ShutdownSignals.name(signal)), "run": .stringConvertible(service.runID),
                                           "exit_status": .stringConvertible(Int(ShutdownSignals.exitStatus(signal)))]
            if let c = counts {
                fields["tasks_done"] = .stringConvertible(c.tasks[.done] ?? 0)
                fields["tasks_dropped"] = .stringConvertible(c.tasks[.dropped] ?? 0)
            }
            log.event("stopped", "stopped by \(ShutdownSignals.name(signal)) after draining: run \(service.runID) closed in the store (tasks: \(tasks)); exit status \(ShutdownSignals.exitStatus(signal))",
                      fields)
            throw ExitCode(ShutdownSignals.exitStatus(signal))
        }
        if failed { throw ExitCode(ExitStatus.runtime) }
    }

    /// On a store replicas share: drives the run if no other replica does; otherwise serves the
    /// hosts that connect here and takes over if the driving replica stops. Returns whether
    /// this replica drives the run now (false: another one finished it, and this one ends).
    private func driveOrStandBy(_ service: FleetService, log: Logger, signals: ShutdownSignals) throws -> Bool {
        let run = service.runID
        do {
            if try !service.claimDrivingBlocking() {
                log.event("standby", "replica of run \(run): another replica drives it; this one serves hosts and takes over if that one stops",
                          ["run": .stringConvertible(run)])
                guard try service.waitToDriveBlocking() else {
                    service.waitForHostsToLeave(timeout: .seconds(12))
                    log.event("finished", "run \(run) was finished by another replica", ["run": .stringConvertible(run)])
                    return false
                }
                log.event("driving", "took over driving run \(run): the script replays it, and device tasks already answered are not sent again",
                          ["run": .stringConvertible(run), "tasks_done": .stringConvertible((try? service.tasksDoneNow()) ?? 0)])
            } else if service.resumedRun, let done = try? service.tasksDoneNow(), done > 0 {
                // (A run another replica opened a moment ago is resumed too, with nothing done.)
                log.event("driving", "driving run \(run), resumed: the script replays it, and the \(done) device task\(done == 1 ? "" : "s") already answered are not sent again",
                          ["run": .stringConvertible(run), "tasks_done": .stringConvertible(done)])
            } else {
                log.event("driving", "driving run \(run)", ["run": .stringConvertible(run)])
            }
        } catch {
            if let signal = signals.received { throw ExitCode(ShutdownSignals.exitStatus(signal)) }
            log.event("error", "\(error)", level: .error)
            throw ExitCode(ExitStatus.runtime)
        }
        if let driverFile {
            // When this replica began driving: of several that drove the run in turn, the last
            // one's output is the run's (`dcl run --deploy loopback --replicas`).
            let tmp = driverFile + ".tmp"
            let stamp = String(UInt64(Date().timeIntervalSince1970 * 1e9))
            guard FileManager.default.createFile(atPath: tmp, contents: Data("\(stamp)\n".utf8)), rename(tmp, driverFile) == 0 else {
                log.event("usage", "cannot write \(driverFile)", level: .error, ["path": .string(driverFile)])
                throw ExitCode(ExitStatus.usage)
            }
        }
        return true
    }
}
