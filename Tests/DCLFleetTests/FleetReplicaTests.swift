// Two services on one PostgreSQL store, as `dcl serve` replicas: they open the same run, one
// drives it (the other's claim is refused), a host that knows only the standby replica is
// served by it — its joins are seen by the driver, its results wake the driver's round — and
// when the driver stops, the standby takes the run over: it replays the round from the store
// (nothing sent again, nothing counted twice) and runs the next one itself.

import Foundation
import Testing
@testable import DCLFleet
@testable import DCLFleetPostgres

@Suite(.timeLimit(.minutes(3))) struct FleetReplicaTests {
    @Test(.enabled(if: StoreKind.all.contains(.postgres))) func aStandbyServesHostsAndTakesOverTheRun() async throws {
        let url = try await TestPostgres.createDatabase()
        let key = [UInt8](repeating: 5, count: 32)
        let storeA = try await PostgresFleetStore.open(url), storeB = try await PostgresFleetStore.open(url)
        func start(_ store: PostgresFleetStore) async throws -> FleetService {
            try await FleetService.start(.init(address: FleetAddress(host: "127.0.0.1", port: 0), joinToken: testJoinToken, store: store, runKey: key))
        }
        let a = try await start(storeA), b = try await start(storeB)
        #expect(a.runID == b.runID && a.replicated && b.replicated)
        #expect(try await a.claimDriving())
        #expect(try await !b.claimDriving())
        #expect(!b.driving)

        let host = try RunningHost(port: b.port, devices: 0..<3, handler: echo)
        try await a.devicesJoined(0..<3, timeout: .seconds(30))
        let items = (0..<6).map { WorkItem(device: $0 % 3, kind: "echo", spec: [UInt8($0)], blobs: [bytes(100, seed: UInt64($0))]) }
        let policy = RoundPolicy(minResponses: 1, timeout: .seconds(60))
        let first = try await a.round(items, policy: policy)
        func check(_ report: RoundReport, _ items: [WorkItem]) {
            #expect(report.results.count == items.count)
            for (item, result) in zip(items, report.results) {
                guard case .success(let outcome) = result else { Issue.record("item \(item.spec): \(result)"); continue }
                #expect(outcome.spec == Array("\(item.device):".utf8) + item.spec && outcome.blobs == item.blobs.reversed())
            }
        }
        check(first, items)
        // Through the standby, the round went over the wire of B, not A.
        #expect(b.traffic.bytesReceived > 0 && first.fromStore == 0)

        // The driver stops (its claim goes with its connection): the standby takes over.
        await a.stop()
        await storeA.close()
        #expect(try await b.waitToDrive(every: .milliseconds(100)))
        #expect(b.driving)
        let replay = try await b.round(items, policy: policy)
        check(replay, items)
        #expect(replay.fromStore == items.count)
        let more = (0..<3).map { WorkItem(device: $0, kind: "echo", spec: [UInt8(100 + $0)], blobs: []) }
        check(try await b.round(more, policy: policy), more)
        let counts = try await b.counts()
        #expect(counts.tasks[.done] == items.count + more.count && counts.tasks[.dropped] == 0, "\(counts)")
        try await b.finishRun()
        await host.stop()
        await b.stop()
        await storeB.close()
        await TestPostgres.dropDatabase(url)
    }

    /// A replica whose store lost the claim (another replica took it) cannot change the run:
    /// its transitions are refused as superseded.
    @Test(.enabled(if: StoreKind.all.contains(.postgres))) func aLostClaimFencesTheOldDriver() async throws {
        let url = try await TestPostgres.createDatabase()
        let key = [UInt8](repeating: 6, count: 32)
        let storeA = try await PostgresFleetStore.open(url), storeB = try await PostgresFleetStore.open(url)
        let (run, _) = try await storeA.openRun(key: key, now: 0)
        #expect(try await storeB.openRun(key: key, now: 0) == (run, true))
        #expect(try await storeA.claimDriver(run: run))
        #expect(try await !storeB.claimDriver(run: run))
        let (round, _) = try await storeA.openRound(run: run, number: 1, tasks: [NewTask(device: 0, kind: "k", spec: [1], blobs: [])], deadline: 100, now: 0)
        #expect(try await storeB.runState(run: run).round?.id == round)
        // A's claim is cut (as a partition would); B claims, and A's next transition is refused.
        await storeA.driver.dropConnectionForTesting()
        // The server releases the lock once it sees the connection end.
        #expect(try await eventuallyAsync(timeout: .seconds(10)) { try await storeB.claimDriver(run: run) })
        await #expect(throws: FleetError.self) { try await storeA.closeRound(round, reason: "late") }
        #expect(await !storeA.holdsDriver(run: run))
        #expect(try await storeB.runState(run: run).round?.id == round)
        try await storeB.closeRound(round, reason: "closed by B")
        try await storeB.finishRun(run)
        #expect(try await storeA.runState(run: run) == SharedRunState(round: nil, finished: true))
        await storeA.close()
        await storeB.close()
        await TestPostgres.dropDatabase(url)
    }
}
