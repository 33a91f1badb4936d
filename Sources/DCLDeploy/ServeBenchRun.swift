// The service side of `dcl bench serve` (Command+BenchServe.swift says what each phase measures).

import DCLCompiler
import DCLDriver
import DCLFleet
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ServeBenchResult {
    var devices: Int, hosts: Int, rounds: Int, store: String, replicas: Int
    var joinSeconds: Double
    /// Peak resident memory of the service's process and of the largest host process, in MiB.
    var servicePeakMiB: Double, hostPeakMiB: Double
    var roundSeconds: Double, roundBytesDown: UInt64, roundBytesUp: UInt64, objectsFetched: Int
    var tasks: Int, taskSeconds: Double
    var p50Ms: Double, p99Ms: Double
    var transferBytes: Int, transferSeconds: Double, tcpSeconds: Double

    var roundTripsPerSecond: Double { Double(tasks) / taskSeconds }
    /// Down and back up: twice the object's bytes moved.
    var transferMiBps: Double { Double(2 * transferBytes) / transferSeconds / 1_048_576 }
    var tcpMiBps: Double { Double(2 * transferBytes) / tcpSeconds / 1_048_576 }

    var table: String {
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
        let rows: [(String, String, String)] = [
            ("join", "every device joined", "\(f(joinSeconds)) s"),
            ("round", "DC-CCL-shaped round, \(devices) devices", "\(f(roundSeconds)) s (\(roundBytesDown) B down, \(roundBytesUp) B up; shared object fetched \(objectsFetched)×)"),
            ("tasks", "round trips/s (\(tasks) tasks)", f(roundTripsPerSecond, 0)),
            ("tasks", "lease→push p50 / p99", "\(f(p50Ms)) / \(f(p99Ms)) ms"),
            ("transfer", "fleet, \(transferBytes >> 20) MiB down + up", "\(f(transferMiBps, 0)) MiB/s"),
            ("transfer", "plain TCP copy, same bytes", "\(f(tcpMiBps, 0)) MiB/s (fleet/TCP \(f(transferMiBps / tcpMiBps)))"),
            ("memory", "peak RSS: service process / largest host", "\(f(servicePeakMiB, 0)) / \(f(hostPeakMiB, 0)) MiB"),
        ]
        let w0 = rows.map(\.0.count).max()!, w1 = rows.map(\.1.count).max()!
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        let services = replicas == 1 ? "" : ", \(replicas) replicas"
        return (["dcl bench serve: \(devices) devices over \(hosts) host processes, store \(store)\(services), \(rounds) rounds of small tasks"]
                + rows.map { "  \(pad($0.0, w0))  \(pad($0.1, w1))  \($0.2)" }).joined(separator: "\n")
    }

    var json: String {
        let fields: [(String, String)] = [
            ("devices", "\(devices)"), ("hosts", "\(hosts)"), ("rounds", "\(rounds)"), ("store", "\"\(store)\""), ("replicas", "\(replicas)"),
            ("service_peak_rss_mib", "\(servicePeakMiB)"), ("host_peak_rss_mib", "\(hostPeakMiB)"),
            ("join_s", "\(joinSeconds)"), ("round_s", "\(roundSeconds)"), ("round_bytes_down", "\(roundBytesDown)"),
            ("round_bytes_up", "\(roundBytesUp)"), ("shared_object_fetches", "\(objectsFetched)"),
            ("tasks", "\(tasks)"), ("round_trips_per_s", "\(roundTripsPerSecond)"), ("p50_ms", "\(p50Ms)"), ("p99_ms", "\(p99Ms)"),
            ("transfer_bytes", "\(transferBytes)"), ("transfer_mib_per_s", "\(transferMiBps)"), ("tcp_mib_per_s", "\(tcpMiBps)"),
            ("transfer_vs_tcp", "\(transferMiBps / tcpMiBps)"),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

struct ServeBenchRun {
    let options: ServeBench

    struct Failure: Error, CustomStringConvertible { let description: String }

    private struct HostReport: Decodable {
        var task_us: [Int64]
        var objects_fetched: Int
        var peak_rss_kib: Int
    }

    func run() throws -> ServeBenchResult {
        let o = options
        let dir = NSTemporaryDirectory() + "dcl-bench-serve-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let token = JoinToken.generate(), tokenFile = dir + "/join-token"
        guard FileManager.default.createFile(atPath: tokenFile, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw Failure(description: "cannot write \(tokenFile)")
        }
        let store: any FleetStore = o.store == "sqlite" ? try SQLiteFleetStore(path: dir + "/fleet.sqlite") : try FleetStoreSpec.open(o.store)
        // Replicas open one run under one key; the first service drives it, the others serve
        // the hosts that connect to them from the shared store.
        var key = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in key.indices { key[i] = rng.next() }
        let service = try FleetService.startBlocking(.init(joinToken: token, store: store, runKey: o.replicas > 1 ? key : nil))
        defer { service.shutdown() }
        guard try service.claimDrivingBlocking() else { throw Failure(description: "another service drives the bench's run") }
        var replicas = [service]
        defer { for r in replicas.dropFirst() { r.shutdown() } }
        for _ in 1..<o.replicas {
            replicas.append(try FleetService.startBlocking(.init(joinToken: token, store: try FleetStoreSpec.open(o.store), runKey: key)))
        }
        let ports = replicas.map { "127.0.0.1:\($0.port)" }

        let ranges = DeviceRange.split(count: o.devices, hosts: o.hosts)
        var children: [RunningChild] = []
        defer { for c in children { c.killIfRunning() } }
        let exe = ChildProcess.currentExecutable()
        for (i, r) in ranges.enumerated() {
            // Host i starts with replica i and knows the others.
            let cloud = ports.indices.map { ports[(i + $0) % ports.count] }.joined(separator: ",")
            children.append(try RunningChild(exe, ["bench", "serve", "--host-for", cloud, "--first", "\(r.lowerBound)",
                                                   "--end", "\(r.upperBound + 1)", "--join-token-file", tokenFile,
                                                   "--concurrency", "\(o.concurrency)"],
                                             stdout: .file(dir + "/host-\(i).out"), stderr: .file(dir + "/host-\(i).err")))
        }
        var clock = ChildProcess.monotonicSeconds()
        func lap() -> Double {
            let now = ChildProcess.monotonicSeconds()
            defer { clock = now }
            return now - clock
        }
        try service.waitForDevices(0..<o.devices, timeout: .seconds(120))
        let joinSeconds = lap()
        let policy = RoundPolicy(minResponses: 1, timeout: .seconds(600))

        // One DC-CCL-shaped round.
        let shared = Self.bytes(o.sharedKib << 10, seed: 1)
        let replyBytes = o.replyKib << 10
        let spec = withUnsafeBytes(of: UInt32(replyBytes).littleEndian) { Array($0) }
        let roundItems = (0..<o.devices).map { WorkItem(device: $0, kind: "round", spec: spec, blobs: [shared]) }
        _ = lap()
        // Bytes on the wire of every replica: hosts reach the round through all of them.
        let before = replicas.map { ($0.traffic.bytesSent, $0.traffic.bytesReceived) }
        let round = try service.runRoundReport(roundItems, policy: policy)
        let roundSeconds = lap()
        let roundBytesDown = zip(replicas, before).reduce(UInt64(0)) { $0 + ($1.0.traffic.bytesSent &- $1.1.0) }
        let roundBytesUp = zip(replicas, before).reduce(UInt64(0)) { $0 + ($1.0.traffic.bytesReceived &- $1.1.1) }
        for (d, r) in round.results.enumerated() {
            guard case .success(let out) = r, out.blobs == [ServeBenchHost.weights(device: d, bytes: replyBytes)] else {
                throw Failure(description: "device \(d) answered the round wrongly: \(r)")
            }
        }

        // Rounds of small tasks.
        var taskSeconds = 0.0
        for r in 0..<o.rounds {
            let items = (0..<o.devices).map { d in WorkItem(device: d, kind: "task", spec: Array("\(r)/\(d)".utf8)) }
            _ = lap()
            let results = try service.runRound(items, policy: policy)
            taskSeconds += lap()
            for (item, result) in zip(items, results) {
                guard case .success(let out) = result, out.spec == item.spec else {
                    throw Failure(description: "device \(item.device) answered task round \(r) wrongly: \(result)")
                }
            }
        }

        // A fresh object down and back up, and the same bytes over plain TCP.
        let object = Self.bytes(o.transferMib << 20, seed: UInt64.random(in: 2...UInt64.max))
        _ = lap()
        let echoed = try service.runRound([WorkItem(device: 0, kind: "echo", spec: [], blobs: [object])], policy: policy)
        let transferSeconds = lap()
        guard case .success(let back) = echoed[0], back.blobs == [object] else { throw Failure(description: "the transfer came back altered") }
        let tcpSeconds = try TCPCopy.seconds(bytes: 2 * object.count)

        try service.finish()
        service.waitForHostsToLeave(timeout: .seconds(15))
        var latencies: [Int64] = []
        var fetched = 0, hostPeakKiB = 0
        let deadline = ChildProcess.monotonicSeconds() + 30
        for (i, c) in children.enumerated() {
            while c.poll() == nil && ChildProcess.monotonicSeconds() < deadline { usleep(20_000) }
            c.killIfRunning()
            let out = (try? String(contentsOfFile: dir + "/host-\(i).out", encoding: .utf8)) ?? ""
            guard c.poll() == 0, let line = out.split(separator: "\n").last,
                  let report = try? JSONDecoder().decode(HostReport.self, from: Data(line.utf8)) else {
                let err = (try? String(contentsOfFile: dir + "/host-\(i).err", encoding: .utf8)) ?? ""
                throw Failure(description: "host \(i) ended with \(c.poll().map(String.init) ?? "?"): \(err)")
            }
            latencies += report.task_us
            fetched += report.objects_fetched
            hostPeakKiB = max(hostPeakKiB, report.peak_rss_kib)
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let rank = Int((p * Double(latencies.count)).rounded(.up)) - 1
            return Double(latencies[min(max(rank, 0), latencies.count - 1)]) / 1000
        }
        return ServeBenchResult(devices: o.devices, hosts: o.hosts, rounds: o.rounds, store: o.store, replicas: o.replicas, joinSeconds: joinSeconds,
                                servicePeakMiB: Double(ScriptProfiler.peakResidentKiB()) / 1024, hostPeakMiB: Double(hostPeakKiB) / 1024,
                                roundSeconds: roundSeconds, roundBytesDown: roundBytesDown, roundBytesUp: roundBytesUp,
                                // Each host fetches the shared object once and the transfer's object once (host 0).
                                objectsFetched: fetched - 1, tasks: o.rounds * o.devices, taskSeconds: taskSeconds,
                                p50Ms: percentile(0.5), p99Ms: percentile(0.99), transferBytes: object.count,
                                transferSeconds: transferSeconds, tcpSeconds: tcpSeconds)
    }

    /// `count` pseudo-random bytes (SplitMix64): incompressible, and distinct per seed.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var rng = SplitMix64(seed: seed)
        out.withUnsafeMutableBytes { raw in
            var i = 0
            while i < count {
                let word = rng.next()
                withUnsafeBytes(of: word) { w in for j in 0..<min(8, count - i) { raw[i + j] = w[j] } }
                i += 8
            }
        }
        return out
    }
}
