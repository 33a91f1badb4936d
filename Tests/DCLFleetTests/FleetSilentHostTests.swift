// A host that stops being heard from without saying it leaves (killed, or its network gone) is
// reported silent once; heard from again, it is reported back. A host busy with long tasks on
// every slot keeps polling (asking for nothing), so it is heard from.

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

        await service.stop()
    }

    @Test func aHostBusyWithLongTasksKeepsPolling() async throws {
        let service = try await startService()
        // One slot, and a task that ends only once the service has seen three more polls from
        // the host (or after 120 s): a host that polled only for work would poll not once
        // meanwhile. No clock decides the outcome, so a starved test process cannot flake it.
        let sawPolls = Mutex(false)
        let host = try RunningHost(port: service.port, devices: 0..<1, concurrency: 1, pollWait: .milliseconds(300)) { item in
            let before = service.pollsSeen
            let deadline = ContinuousClock.now.advanced(by: .seconds(120))
            while service.pollsSeen < before + 3 && ContinuousClock.now < deadline { usleep(20_000) }
            sawPolls.withLock { $0 = service.pollsSeen >= before + 3 }
            return WorkOutcome(spec: item.spec)
        }
        try await service.devicesJoined(0..<1, timeout: .seconds(60))
        let report = try await service.round([WorkItem(device: 0, kind: "busy", spec: [1])], policy: RoundPolicy(timeout: .seconds(300)))
        #expect(report.results.allSatisfy { if case .success = $0 { true } else { false } })
        #expect(sawPolls.withLock { $0 }, "the host did not poll while its only slot was busy")
        await host.stop()
        await service.stop()
    }
}
