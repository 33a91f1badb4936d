// The database restarted mid-round: the service's RPCs answer UNAVAILABLE while it is away (the
// hosts retry and join again), the round keeps retrying the store, and when the server is back
// every item is answered — none lost, none counted twice — and the log says what happened. (An
// outage shorter than a store operation's deadline is not even seen: the pool reconnects and
// the waiting calls go on.)

import Foundation
import Synchronization
import Testing
@testable import DCLFleet
@testable import DCLFleetPostgres

/// Runs when DCL_TEST_POSTGRES_OUTAGE=1, alone: CI runs it as a step of its own after the suite
/// (`swift test --filter FleetStoreOutageTests`). Inside the whole parallel suite on 2 cores, two
/// CI rehearsals of 4 stalled — every test suspended, no thread busy — from the moment this test
/// stopped its server; alone it passed every time (8 of 8). Run beside the other store suites in
/// one invocation, one fresh-clone rehearsal (stop 31) timed out with 2 of 24 items answered and the
/// hosts idle after the restart; it now runs in an invocation of its own. Alone it stalled too in
/// stop 33 (one CI run of two; 2 of 10 local runs while a build loaded the machine, with the code
/// before that stop's changes as after): after the restart the round sat with 2 items done, 2
/// leased and 20 pending, the store back (`storeReturned`), and no host rejoining — as if a
/// result push were never answered and the host's two slots never freed. A candidate, not
/// shown: `PostgresFleetStore.bounded` races the operation against a timer in a task group, which
/// waits for an operation that ignores cancellation; abandoning it instead is not a fix as it
/// stands (a late connection must be closed, a late commit can land after its caller gave up).
/// CI runs the test once more if it stalls (never if it fails). The cause is not found yet.
@Suite(.timeLimit(.minutes(3)), .enabled(if: ProcessInfo.processInfo.environment["DCL_TEST_POSTGRES_OUTAGE"] == "1"))
struct FleetStoreOutageTests {
    final class Events: Sendable {
        private let seen = Mutex<[FleetEvent]>([])
        func add(_ e: FleetEvent) { seen.withLock { $0.append(e) } }
        var all: [FleetEvent] { seen.withLock { $0 } }
    }

    @Test(.enabled(if: TestCluster.available)) func aRoundOutlastsADatabaseRestart() async throws {
        let cluster = try await TestCluster.start()
        defer { cluster.remove() }
        let store = try await PostgresFleetStore.open(cluster.url, operationDeadline: .seconds(1))
        let events = Events()
        let service = try await startService(store: store, events: { events.add($0) })
        let running = StartCount()
        let host = try RunningHost(port: service.port, devices: 0..<4, concurrency: 2, handler: FleetShutdownTests.slowEcho(0.2, started: running))
        try await service.devicesJoined(0..<4, timeout: .seconds(30))
        let items = (0..<24).map { WorkItem(device: $0 % 4, kind: "echo", spec: [UInt8($0)], blobs: [bytes(3000, seed: UInt64($0 % 3))]) }
        let round = Task { try await service.round(items, policy: RoundPolicy(minResponses: 1, timeout: .seconds(120))) }
        #expect(try await eventually { running.count >= 4 })
        // Away for longer than a store operation may wait (1 s here): calls fail as unavailable,
        // rather than wait in the pool until the server is back.
        try await cluster.stopServer()
        try await Task.sleep(for: .seconds(4))
        try await cluster.restartServer()
        let report = try await round.value
        for (item, result) in zip(items, report.results) {
            guard case .success(let outcome) = result else { Issue.record("item \(item.spec): \(result)"); continue }
            #expect(outcome.spec == Array("\(item.device):".utf8) + item.spec && outcome.blobs == item.blobs)
        }
        let counts = try await service.counts()
        #expect(counts.tasks[.done] == 24 && counts.tasks[.dropped] == 0 && counts.tasks[.pending] == 0 && counts.tasks[.leased] == 0)
        #expect(events.all.contains { if case .storeUnavailable = $0 { return true }; return false }, "\(events.all)")
        #expect(events.all.contains { if case .storeReturned = $0 { return true }; return false }, "\(events.all)")
        // And the next round runs as usual.
        let next = try await service.round(Array(items.prefix(4)), policy: RoundPolicy(minResponses: 1, timeout: .seconds(60)))
        #expect(next.results.allSatisfy { if case .success = $0 { return true }; return false })
        try await service.finishRun()
        await host.stop()
        await service.stop()
        await store.close()
    }
}
