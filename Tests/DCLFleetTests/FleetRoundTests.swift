// Rounds end to end: a service and two device hosts over loopback, 50 devices.

import Foundation
import Synchronization
import Testing
@testable import DCLFleet

@Suite(.timeLimit(.minutes(3))) struct FleetRoundTests {
    /// Results come back in item order; a blob shared by all 50 items crosses the wire once per
    /// host (the byte counters say so), and not again in a second round that reuses it.
    @Test func roundTripOverFiftyDevicesFetchesSharedBlobOncePerHost() async throws {
        let service = try await startService()
        // Sends back the small blob only, so the upload is small and the download is what the
        // byte counters are checked on.
        let handler: FleetDeviceHost.Handler = { item in
            WorkOutcome(spec: Array("\(item.device):".utf8) + item.spec, blobs: [Array(item.blobs[1].reversed())])
        }
        let a = try RunningHost(port: service.port, devices: 0..<25, seed: 1, handler: handler)
        let b = try RunningHost(port: service.port, devices: 25..<50, seed: 2, handler: handler)
        try await service.devicesJoined(0..<50, timeout: .seconds(60))

        let shared = bytes(5 << 19, seed: 7)  // 2.5 chunks' worth: it is streamed in parts
        // Items in an order that is not the devices' order, so "in item order" is tested.
        let devices = (0..<50).map { ($0 * 17) % 50 }
        let items = devices.map { d in WorkItem(device: d, kind: "echo", spec: Array("item \(d)".utf8), blobs: [shared, bytes(100, seed: UInt64(d))]) }
        let report = try await service.round(items, policy: RoundPolicy(minResponses: 1, timeout: .seconds(60)))
        #expect(report.round == 1)
        #expect(report.results.count == 50)
        for (item, result) in zip(items, report.results) {
            #expect(result == .success(WorkOutcome(spec: Array("\(item.device):item \(item.device)".utf8), blobs: [Array(item.blobs[1].reversed())])))
        }
        // Down: the shared blob twice (once per host), 50 small blobs, tasks and polls.
        #expect(report.bytesDown >= UInt64(2 * shared.count))
        #expect(report.bytesDown < UInt64(2 * shared.count + 200_000))
        // Up: 50 small outcomes, with their 100-byte blobs, and the polls and leases.
        #expect(report.bytesUp >= 50 * 100)
        #expect(report.bytesUp < 100_000)
        #expect(a.host.objectsFetched == 1 + 25)
        #expect(b.host.objectsFetched == 1 + 25)

        // Round 2 reuses the shared blob: the hosts have it already.
        let again = try await service.round(Array(items.prefix(10)), policy: RoundPolicy(timeout: .seconds(60)))
        #expect(again.round == 2)
        #expect(again.bytesDown < 100_000)
        #expect(a.host.objectsFetched + b.host.objectsFetched == 52)
        // The hosts' own counters agree with the service's on the direction of the big bytes.
        #expect(a.host.traffic.bytesReceived + b.host.traffic.bytesReceived >= UInt64(2 * shared.count))

        try await service.finishRun()
        // Hosts leave by themselves when the run is finished (no cancellation).
        try await a.task.value
        try await b.task.value
        await service.stop()
    }

    /// Several items for one device in a round run in item order on it, one at a time.
    @Test func itemsOfOneDeviceRunInOrder() async throws {
        let service = try await startService()
        let log = Slot<[Int: [Int]]>()
        let lock = NSLock()
        let host = try RunningHost(port: service.port, devices: 0..<4, concurrency: 4) { item in
            let index = Int(item.spec[0])
            lock.withLock {
                var seen = log.get() ?? [:]
                seen[item.device, default: []].append(index)
                log.set(seen)
            }
            Thread.sleep(forTimeInterval: 0.002)
            return WorkOutcome(spec: item.spec)
        }
        try await service.devicesJoined(0..<4, timeout: .seconds(60))
        let items = (0..<20).map { i in WorkItem(device: i % 4, kind: "k", spec: [UInt8(i)]) }
        let report = try await service.round(items, policy: RoundPolicy(timeout: .seconds(60)))
        #expect(report.results == items.map { .success(WorkOutcome(spec: $0.spec)) })
        let order = log.get() ?? [:]
        for d in 0..<4 { #expect(order[d] == Array(stride(from: d, to: 20, by: 4))) }
        await host.stop()
        await service.stop()
    }

    /// A handler that throws: the item is `.failed` with the handler's message.
    @Test func handlerErrorsAreReportedAsFailures() async throws {
        struct Refused: Error, CustomStringConvertible {
            let device: Int
            var description: String { "device \(device) refuses odd work" }
        }
        let service = try await startService()
        let host = try RunningHost(port: service.port, devices: 0..<6) { item in
            if item.device % 2 == 1 { throw Refused(device: item.device) }
            return WorkOutcome(spec: item.spec)
        }
        try await service.devicesJoined(0..<6, timeout: .seconds(60))
        let items = (0..<6).map { WorkItem(device: $0, kind: "k", spec: [1, 2]) }
        let report = try await service.round(items, policy: RoundPolicy(timeout: .seconds(60)))
        for (d, result) in report.results.enumerated() {
            #expect(result == (d % 2 == 1 ? .failure(.failed(message: "device \(d) refuses odd work")) : .success(WorkOutcome(spec: [1, 2]))))
        }
        await host.stop()
        await service.stop()
    }

    /// A host started before its service backs off and retries until the service is there.
    @Test func hostReconnectsWithBackoff() async throws {
        // A free port: bind one, note it, let it go.
        let probe = try await startService()
        let port = probe.port
        await probe.stop()
        // Enough attempts to outlast a slow start of the service under load (about 40 s).
        let host = try RunningHost(port: port, devices: 0..<3,
                                   backoff: BackoffPolicy(initialDelay: .milliseconds(50), maxDelay: .milliseconds(400), maxAttempts: 100, seed: 3),
                                   handler: echo)
        try await Task.sleep(for: .milliseconds(300))
        let service = try await startService(port: port)
        try await service.devicesJoined(0..<3, timeout: .seconds(60))
        let items = (0..<3).map { WorkItem(device: $0, kind: "k", spec: [UInt8($0)]) }
        let report = try await service.round(items, policy: RoundPolicy(timeout: .seconds(60)))
        #expect(report.results.allSatisfy { if case .success = $0 { true } else { false } })
        try await service.finishRun()
        try await host.task.value
        await service.stop()
    }

    @Test func backoffIsSeededBoundedAndCapped() {
        let policy = BackoffPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1), maxAttempts: 8, seed: 42)
        let delays = policy.delays()
        #expect(delays == policy.delays())
        #expect(delays != BackoffPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1), maxAttempts: 8, seed: 43).delays())
        #expect(delays.count == 8)
        var base = Duration.milliseconds(100)
        for d in delays {
            #expect(d >= base / 2 && d < base)
            base = min(base * 2, .seconds(1))
        }
    }
}
