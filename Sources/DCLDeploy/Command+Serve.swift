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

        Exit status: 0 the script ran, 1 it has errors, 2 usage (a bad address, no token), 3 a \
        run-time error (including device work that did not come back: E0508).
        """)

    @Option(help: "Where to listen, HOST:PORT (port 0: any free port; see --port-file).") var listen: String
    @Option(help: "Where the service keeps runs, rounds, tasks and objects: sqlite:PATH, or memory (default).") var store: String?
    @Option(help: "A file holding the run's join token.") var joinTokenFile: String?
    @Flag(help: "Allow plaintext on a non-loopback address (there is no TLS yet).") var insecure = false
    @Option(help: "Write the bound port to this file once listening (for port 0).") var portFile: String?
    @Option(help: "Seconds to wait for a device's host the first time the script sends it work.") var joinTimeout: Double = 120
    @Option(help: "Seconds a device task may take before its device counts as dropped.") var taskTimeout: Double = 600
    @Option(help: "Seed of every random choice; the device hosts need the same one.") var seed: UInt64 = 0
    @Option(help: "Kernel threads (default: the machine's cores).") var threads: Int?
    @Flag(help: "No training progress lines.") var quiet = false
    @Flag(help: "Log every round (its work, devices and bytes on the wire) on standard error.") var logRounds = false
    @OptionGroup var params: ParamOptions
    @ArgumentParser.Argument(help: "The script to serve.") var file: String

    public func validate() throws {
        try validateThreads(threads)
        guard joinTimeout > 0, joinTimeout.isFinite, taskTimeout > 0, taskTimeout.isFinite else {
            throw ValidationError("--join-timeout and --task-timeout are positive numbers of seconds")
        }
    }

    public func run() throws {
        let script = try ScriptLoading.load(file, command: "serve", params: params)
        let c = script.checked, program = script.program, values = script.values
        let address: FleetAddress, token: String, fleetStore: SQLiteFleetStore
        do {
            address = try FleetAddress(parsing: listen)
            token = try JoinToken.load(file: joinTokenFile)
            fleetStore = try SQLiteFleetStore.open(spec: store)
        } catch {
            StandardError.write("dcl serve: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
        let service: FleetService
        do {
            let runKey = RunKey.of(version: dclVersion, sources: c.sources.files.map(\.bytes), seed: seed, assignments: params.assignments)
            service = try FleetService.startBlocking(.init(address: address, insecure: insecure, joinToken: token, store: fleetStore, runKey: runKey))
        } catch {
            StandardError.write("dcl serve: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
        defer { service.shutdown() }
        if let portFile {
            // Written whole, then renamed: a reader never sees half a number.
            let tmp = portFile + ".tmp"
            guard FileManager.default.createFile(atPath: tmp, contents: Data("\(service.port)\n".utf8)), rename(tmp, portFile) == 0 else {
                StandardError.write("dcl serve: cannot write \(portFile)\n")
                throw ExitCode(ExitStatus.usage)
            }
        }
        StandardError.write("dcl serve: listening on \(FleetAddress(host: service.host, port: service.port))\n")
        if service.resumedRun {
            let done = (try? service.tasksDone()) ?? 0
            StandardError.write("dcl serve: resuming run \(service.runID) of the store: the script replays it, and the \(done) device task\(done == 1 ? "" : "s") already answered are not sent again\n")
        }
        let devices = FleetDevices(service: service, policy: RoundPolicy(minResponses: 1, timeout: .milliseconds(Int64(min(taskTimeout, 1e9) * 1000))),
                                   joinTimeout: .milliseconds(Int64(min(joinTimeout, 1e9) * 1000)))
        if logRounds { devices.roundLog = { StandardError.write("dcl serve: \($0)\n") } }
        let session = Session(threads: threads, output: { line in
            print(line)
            fflush(stdout)
        }, progress: quiet ? .quiet : .lines(barOnStandardError: false))
        session.deviceExecutor = devices
        let evaluator = Evaluator(program: program, hooks: session, seed: seed)
        evaluator.paramValues = values
        session.attach(evaluator)
        var failed = false
        do {
            try evaluator.run()
        } catch let e as RuntimeError {
            let failure = DiagnosticEngine()
            failure.emit(e.diagnostic)
            DiagnosticsFormat.text.report(failure, sources: c.sources)
            failed = true
        }
        // The hosts end when the run does, also when it failed: each is told at its next poll
        // (at once when it is waiting in one) before the server stops.
        try? service.finish()
        service.waitForHostsToLeave(timeout: .seconds(12))
        StandardError.write("dcl serve: \(devices.rounds) device task\(devices.rounds == 1 ? "" : "s"), \(devices.bytesUp) bytes up, \(devices.bytesDown) bytes down\n")
        if failed { throw ExitCode(ExitStatus.runtime) }
    }
}
