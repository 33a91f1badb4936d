// The host side of `dcl bench serve`: a FleetDeviceHost whose handler does no work — a `round`
// task answers with its device's own weights (distinct bytes per device, so nothing is shared on
// the way up), an `echo` task sends its object back, a `task` returns its spec. When the run
// ends it prints one JSON line: each small task's lease → push time in microseconds.

import DCLCompiler
import DCLDriver
import DCLFleet
import Foundation

struct ServeBenchHost {
    let service: String
    let devices: Range<Int>
    let joinTokenFile: String
    let concurrency: Int

    /// The bytes device `device` sends back in the DC-CCL-shaped round.
    static func weights(device: Int, bytes: Int) -> [UInt8] {
        var out = [UInt8](repeating: UInt8(truncatingIfNeeded: device &* 31 &+ 7), count: bytes)
        withUnsafeBytes(of: UInt64(device).littleEndian) { d in for (i, b) in d.enumerated() where i < bytes { out[i] = b } }
        return out
    }

    func run() throws {
        let addresses = try service.split(separator: ",").map { try FleetAddress(parsing: String($0)) }
        guard let address = addresses.first else { throw FleetError.badAddress(service) }
        let token = try JoinToken.load(file: joinTokenFile)
        let times = LatencyLog()
        var configuration = FleetDeviceHost.Configuration(service: address, devices: devices, joinToken: token, concurrency: concurrency,
                                                          pollWait: .seconds(2))
        configuration.replicas = Array(addresses.dropFirst())
        let host = try FleetDeviceHost(configuration, taskFinished: { kind, duration in
            if kind == "task" { times.add(duration) }
        }) { item in
            switch item.kind {
            case "round":
                guard item.spec.count == 4 else { throw FleetError.host("a round task's spec is 4 bytes") }
                let bytes = item.spec.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
                return WorkOutcome(spec: [], blobs: [Self.weights(device: item.device, bytes: bytes)])
            case "echo":
                return WorkOutcome(spec: [], blobs: item.blobs)
            default:
                return WorkOutcome(spec: item.spec, blobs: [])
            }
        }
        try host.runBlocking()
        print("{\"task_us\":[" + times.microseconds.map(String.init).joined(separator: ",") + "],\"objects_fetched\":\(host.objectsFetched)"
              + ",\"peak_rss_kib\":\(ScriptProfiler.peakResidentKiB())}")
    }
}

/// Durations recorded from the host's tasks, whichever thread finishes them.
final class LatencyLog: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int64] = []
    func add(_ d: Duration) {
        let us = d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
        lock.lock()
        values.append(us)
        lock.unlock()
    }
    var microseconds: [Int64] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
}
