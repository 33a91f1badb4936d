// Stopping gracefully: a draining service hands out no more tasks, lets the ones in flight finish
// and closes the round at once with the rest dropped; a host asked to leave finishes its running
// task, reports it and tells the service, which stops waiting for its devices.

import Foundation
import Synchronization
import Testing
import DCLTensor
@testable import DCLFleet

/// Handlers started so far (a test waits for a task to be running on its host, not merely leased:
/// a task leased in a poll answer still on its way is not running yet).
final class StartCount: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

@Suite(.timeLimit(.minutes(3))) struct FleetShutdownTests {
    /// A handler that takes `seconds` per item.
    static func slowEcho(_ seconds: Double, started: StartCount? = nil) -> FleetDeviceHost.Handler {
        { item in
            started?.add()
            Thread.sleep(forTimeInterval: seconds)
            return try echo(item)
        }
    }

    /// Waits until the service has leased `n` tasks.
    static func waitForLeased(_ service: FleetService, _ n: Int) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while try await (service.counts().tasks[.leased] ?? 0) < n {
            guard ContinuousClock.now < deadline else { throw FleetError.host("no task was leased within 30 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func drainingFinishesTasksInFlightAndDropsTheRest() async throws {
        let service = try await startService()
        // One task at a time: the first device's task is in flight when the drain starts, the
        // other device's is still pending.
        let running = StartCount()
        let host = try RunningHost(port: service.port, devices: 0..<2, concurrency: 1, handler: Self.slowEcho(2, started: running))
        try await service.devicesJoined(0..<2, timeout: .seconds(30))
        let items = (0..<2).map { WorkItem(device: $0, kind: "echo", spec: [UInt8($0)]) }
        let round = Task { try await service.round(items, policy: RoundPolicy(minResponses: 0, timeout: .seconds(120))) }
        #expect(try await eventually { running.count >= 1 })
        let started = ContinuousClock.now
        service.drain(timeout: .seconds(30))
        let report = try await round.value
        // Far below the round's 120 s timeout (13 s was seen under the parallel suite in CI).
        #expect(started.duration(to: .now) < .seconds(60))
        let answered = report.results.filter { if case .success = $0 { return true }; return false }
        #expect(answered.count == 1, "\(report.results)")
        let dropped = report.results.compactMap { r -> String? in if case .failure(.dropped(let reason)) = r { return reason }; return nil }
        #expect(dropped.count == 1 && dropped[0].contains("stopped"), "\(dropped)")
        // The store has it: one done, one dropped; no later round starts.
        let counts = try await service.counts()
        #expect(counts.tasks[.done] == 1 && counts.tasks[.dropped] == 1)
        await #expect(throws: FleetError.self) { _ = try await service.round(items, policy: RoundPolicy(timeout: .seconds(5))) }
        try await service.finishRun()
        try await host.task.value
        await service.stop()
    }

    @Test func aDrainTimeoutBoundsTheWaitForTasksInFlight() async throws {
        let service = try await startService()
        let host = try RunningHost(port: service.port, devices: 0..<1, concurrency: 1, handler: Self.slowEcho(4))
        try await service.devicesJoined(0..<1, timeout: .seconds(30))
        let round = Task { try await service.round([WorkItem(device: 0, kind: "echo")], policy: RoundPolicy(minResponses: 0, timeout: .seconds(120))) }
        try await Self.waitForLeased(service, 1)
        let started = ContinuousClock.now
        service.drain(timeout: .milliseconds(500))
        let report = try await round.value
        // Far below the round's 120 s timeout, with room for a loaded machine (the result being
        // dropped, not answered, is what shows the 500 ms drain timeout held).
        #expect(started.duration(to: .now) < .seconds(60))
        guard case .failure(.dropped(let reason)) = report.results[0] else {
            Issue.record("the task outlasting the drain timeout was not dropped: \(report.results[0])")
            return
        }
        #expect(reason.contains("stopped"))
        await service.stop()
        await host.stop()
    }

    @Test func aHostLeavingFinishesItsTaskAndTheServiceStopsWaitingForIt() async throws {
        let service = try await startService()
        let running = StartCount()
        let host = try RunningHost(port: service.port, devices: 0..<2, concurrency: 1, handler: Self.slowEcho(2, started: running))
        try await service.devicesJoined(0..<2, timeout: .seconds(30))
        let items = (0..<2).map { WorkItem(device: $0, kind: "echo", spec: [UInt8($0)]) }
        let round = Task { try await service.round(items, policy: RoundPolicy(minResponses: 0, timeout: .seconds(120))) }
        #expect(try await eventually { running.count >= 1 })
        let started = ContinuousClock.now
        host.host.leave()
        // The host returns (no error) once its running task is reported ...
        try await host.task.value
        // ... and the round closes without waiting for its 120 s timeout.
        let report = try await round.value
        // Far below the round's 120 s timeout (13 s was seen under the parallel suite in CI).
        #expect(started.duration(to: .now) < .seconds(60))
        let answered = report.results.filter { if case .success = $0 { return true }; return false }
        #expect(answered.count == 1, "\(report.results)")
        let dropped = report.results.compactMap { r -> String? in if case .failure(.dropped(let reason)) = r { return reason }; return nil }
        #expect(dropped.count == 1 && dropped[0].contains("host left"), "\(dropped)")
        // Its devices no longer count as connected.
        #expect(try await service.counts().devicesSeenSince == 0)
        await service.stop()
    }

    @Test func aHostLeavingWhileTheServiceIsOutOfReachDoesNotWaitOutItsBackoff() async throws {
        // A port nothing listens on (a service started and stopped).
        let gone = try await startService()
        let port = gone.port
        await gone.stop()
        let host = try RunningHost(port: port, devices: 0..<1,
                                   backoff: BackoffPolicy(initialDelay: .seconds(300), maxDelay: .seconds(600), maxAttempts: 30, seed: 1), handler: echo)
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        host.host.leave()
        try await host.task.value
        // The first retry is 150–300 s away (jitter): leaving must not wait for it, loaded machine or
        // not (16 s was seen under the parallel suite in CI, against a 20–40 s retry).
        #expect(started.duration(to: .now) < .seconds(60))
    }
}

/// Hosts stopped at random moments while they retry a service that is gone: each attempt joins on
/// a fresh client, and a stop landing while the join RPC is being set up left that RPC queued for
/// good under `withGRPCClient` — `host.stop()` never returned (FleetDeviceHost's
/// `withClientEndingOnCancel` says why). Before the fix, with `DCL_TEST_HOST_STOPS=500`, this test
/// failed 2 runs of 2 (at the 110th and 109th stop). A stop landing in the window is luck, so the
/// default 80 stops catch a regression in only some runs: set `DCL_TEST_HOST_STOPS=500` to look hard.
@Suite(.timeLimit(.minutes(3))) struct FleetHostCancellationTests {
    @Test func everyHostStoppedWhileReconnectingStops() async throws {
        // A port nothing listens on (a service started and stopped).
        let gone = try await startService()
        let port = gone.port
        await gone.stop()
        let stops = Int(ProcessInfo.processInfo.environment["DCL_TEST_HOST_STOPS"] ?? "") ?? 80
        // The moments are seeded (the race is in the scheduling, which no seed fixes, but the
        // test's own choices repeat).
        var rng = SeededGenerator(seed: 32)
        for i in 0..<stops {
            let host = try RunningHost(port: port, devices: 0..<1,
                                       backoff: BackoffPolicy(initialDelay: .milliseconds(5), maxDelay: .milliseconds(20), maxAttempts: 100_000, seed: UInt64(i)),
                                       handler: echo)
            let after = Int.random(in: 0..<120, using: &rng)
            try await Task.sleep(for: .milliseconds(after))
            // Not `await host.stop()` directly: a stop that never returns would hang the test run
            // instead of failing this test.
            let stopped = Slot<Bool>()
            Task {
                await host.stop()
                stopped.set(true)
            }
            let deadline = ContinuousClock.now.advanced(by: .seconds(20))
            while stopped.get() != true && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            guard stopped.get() == true else {
                Issue.record("stop \(i) (\(after) ms after the host started) had not returned after 20 s")
                return
            }
        }
    }
}
