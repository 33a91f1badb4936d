// A host that stops being heard from without saying it leaves (killed, or its network gone) is
// reported silent once; heard from again, it is reported back; a host that leaves is not silent.

import Foundation
import Synchronization
import Testing
@testable import DCLFleet

@Suite struct FleetSilentHostTests {
    @Test func aHostThatGoesQuietIsReportedOnceAndItsReturnToo() async throws {
        var limits = FleetLimits()
        limits.hostSilentAfter = .seconds(1)
        limits.maxPollWait = .milliseconds(100)
        let seen = Mutex<[FleetEvent]>([])
        let service = try await startService(limits: limits, events: { e in seen.withLock { $0.append(e) } })
        func silentEvents() -> [FleetEvent] {
            seen.withLock { $0.filter { if case .hostSilent = $0 { true } else { false } } }
        }
        try await withRawClient(service.port) { client, _ in
            // A host joins for devices 3..<5, then says nothing.
            let joined = try await client.join(3..<5)
            #expect(try await eventually(timeout: .seconds(30)) { !silentEvents().isEmpty })
            guard case .hostSilent(let first, let end, let seconds)? = silentEvents().first else { return }
            #expect(first == 3 && end == 5 && seconds >= 1)
            // Reported once, however long it stays quiet.
            try await Task.sleep(for: .seconds(2))
            #expect(silentEvents().count == 1)
            // Heard from again.
            _ = try await client.poll(session: joined.sessionToken)
            #expect(seen.withLock { $0.contains(.hostReturned(first: 3, end: 5)) })
        }

        // A host that keeps polling is never silent; one that leaves is reported as leaving.
        seen.withLock { $0.removeAll() }
        let host = try RunningHost(port: service.port, devices: 10..<12, handler: echo)
        try await service.devicesJoined(10..<12, timeout: .seconds(60))
        try await Task.sleep(for: .seconds(3))
        #expect(!seen.withLock { $0.contains { if case .hostSilent(10, _, _) = $0 { true } else { false } } })
        await host.stop()
        await service.stop()
    }

    @Test func aHostBusyWithLongTasksIsNotSilent() async throws {
        var limits = FleetLimits()
        limits.hostSilentAfter = .seconds(3)
        let seen = Mutex<[FleetEvent]>([])
        let service = try await startService(limits: limits, events: { e in seen.withLock { $0.append(e) } })
        // One slot, and a task that takes 7 s: the host cannot long-poll for work meanwhile, but
        // still says it is alive (its polls wait up to 2 s here).
        let host = try RunningHost(port: service.port, devices: 0..<1, concurrency: 1) { item in
            usleep(7_000_000)
            return WorkOutcome(spec: item.spec)
        }
        try await service.devicesJoined(0..<1, timeout: .seconds(60))
        let report = try await service.round([WorkItem(device: 0, kind: "slow", spec: [1])], policy: RoundPolicy(timeout: .seconds(60)))
        #expect(report.results.allSatisfy { if case .success = $0 { true } else { false } })
        #expect(!seen.withLock { $0.contains { if case .hostSilent = $0 { true } else { false } } })
        await host.stop()
        await service.stop()
    }
}
