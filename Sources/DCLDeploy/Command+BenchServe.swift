// `dcl bench serve --devices N --hosts K`: the fleet service under load. This process runs the
// service (on 127.0.0.1, with a store) and starts K device-host processes (this binary again, as
// `dcl bench serve --host-for …`) that serve N virtual devices between them with a handler that
// does no work, so what is measured is the transport and the store. Three phases, in order:
//
//   round     one DC-CCL-shaped round over every device: a shared object (the co-submodel and
//             control model, content-addressed: fetched once per host) goes down, and each
//             device sends its own weights back up;
//   tasks     --rounds rounds of one small task per device: task round trips per second at the
//             service, and the latency of each task's lease → push as its host saw it (p50/p99);
//   transfer  one device takes a fresh --transfer-mib object down and sends it back up: bytes
//             moved per second, beside a plain TCP copy of the same bytes on loopback.
//
// A benchmark, not a test: the numbers depend on the machine and what else runs on it.

import ArgumentParser
import DCLDriver
import DCLFleet
import Foundation

public struct ServeBench: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Load-test the fleet service: N virtual devices over K host processes on loopback.",
        discussion: """
            Phases: one DC-CCL-shaped round over every device (a shared object down, each device's weights up), \
            --rounds rounds of one small task per device (round trips/s; lease→push latency p50/p99 on the hosts), \
            and a --transfer-mib object down and back up beside a plain TCP copy on loopback. See BENCHMARKS.md.
            """)

    @Option(help: "Virtual devices.") var devices = 1000
    @Option(help: "Device-host processes sharing them.") var hosts = 4
    @Option(help: "Rounds of one small task per device.") var rounds = 5
    @Option(help: "Tasks one host runs at once.") var concurrency = 64
    @Option(help: "KiB of the shared object in the DC-CCL-shaped round (down, once per host).") var sharedKib = 512
    @Option(help: "KiB of the weights each device sends back in that round.") var replyKib = 32
    @Option(help: "MiB moved down and back up in the transfer phase.") var transferMib = 64
    @Option(help: "The service's store: sqlite (a temporary file, the default), memory, sqlite:PATH, or postgres://USER@HOST:PORT/DATABASE.") var store = "sqlite"
    @Option(help: "With a postgres:// store: services sharing it (replicas in this process; one drives the rounds, hosts spread over all).") var replicas = 1
    @Flag(help: "Print one JSON object.") var json = false

    // The host side, started by the bench itself.
    @Option(help: .hidden) var hostFor: String?
    @Option(help: .hidden) var first: Int?
    @Option(help: .hidden) var end: Int?
    @Option(help: .hidden) var joinTokenFile: String?

    public func validate() throws {
        guard devices >= 1, devices <= 100_000 else { throw ValidationError("--devices must be between 1 and 100000 (got \(devices))") }
        guard hosts >= 1, hosts <= 64, hosts <= devices else { throw ValidationError("--hosts must be between 1 and min(64, --devices) (got \(hosts))") }
        guard rounds >= 1, rounds <= 1000 else { throw ValidationError("--rounds must be between 1 and 1000 (got \(rounds))") }
        guard concurrency >= 1, concurrency <= 4096 else { throw ValidationError("--concurrency must be between 1 and 4096 (got \(concurrency))") }
        guard sharedKib >= 0, sharedKib <= 1 << 20, replyKib >= 0, replyKib <= 1 << 16 else {
            throw ValidationError("--shared-kib must be in 0...1048576 and --reply-kib in 0...65536")
        }
        guard replicas >= 1, replicas <= 8 else { throw ValidationError("--replicas must be between 1 and 8 (got \(replicas))") }
        if replicas > 1 && !store.hasPrefix("postgres://") {
            throw ValidationError("--replicas \(replicas) needs a store the replicas share: --store postgres://USER@HOST:PORT/DATABASE")
        }
        guard transferMib >= 1, transferMib <= 1024 else { throw ValidationError("--transfer-mib must be between 1 and 1024 (got \(transferMib))") }
    }

    public func run() throws {
        if let hostFor {
            guard let first, let end, let joinTokenFile else { throw ValidationError("--host-for needs --first, --end and --join-token-file") }
            try ServeBenchHost(service: hostFor, devices: first..<end, joinTokenFile: joinTokenFile, concurrency: concurrency).run()
            return
        }
        let result: ServeBenchResult
        do {
            result = try ServeBenchRun(options: self).run()
        } catch {
            StandardError.write("dcl bench serve: \(error)\n")
            throw ExitCode(ExitStatus.runtime)
        }
        print(json ? result.json : result.table)
    }
}
