// What every fleet store does, run against each (SQLite always; PostgreSQL when a test server is
// given, TestPostgres.swift): the schema's migrations, objects, the task life cycle (lease order,
// one lease per device, idempotent results, dropping at close), batches, a resumed run, and — for
// a store that several replicas share — leases and results from two of them at once.

import Foundation
import Testing
@testable import DCLFleet
@testable import DCLFleetPostgres

@Suite struct FleetStoreContractTests {
    /// Runs `body` on a fresh store of `kind`, removed afterwards whatever happens.
    private func withStore(_ kind: StoreKind, _ body: (any FleetStore, StoreUnderTest) async throws -> Void) async throws {
        let handle = try await StoreUnderTest(kind)
        do {
            try await body(handle.store, handle)
        } catch {
            await handle.remove()
            throw error
        }
        await handle.remove()
    }

    @Test(arguments: StoreKind.all) func migratesAndRefusesANewerSchema(kind: StoreKind) async throws {
        try await withStore(kind) { store, handle in
            #expect(try await handle.appliedMigrations() == SQLiteFleetStore.migrationNames)
            let run = try await store.beginRun(key: nil, now: 1)
            try await store.registerDevice(run: run, device: 3, tokenHash: Digest.tokenHash("device-token"), now: 1)
            // Opened again, nothing is migrated twice and nothing is lost.
            let again = try await handle.openAgain()
            #expect(try await again.deviceTokenHash(run: run, device: 3) == Digest.tokenHash("device-token"))
            #expect(try await again.deviceTokenHash(run: run, device: 4) == nil)
            #expect(try await again.beginRun(key: nil, now: 2) == run + 1)
            try await handle.recordForeignMigration()
            do {
                _ = try await handle.openAgain()
                Issue.record("a newer schema was accepted")
            } catch let error as FleetError {
                #expect("\(error)".contains("newer"), "\(error)")
            }
        }
    }

    /// Objects are stored once under their hash, whole whatever their size (PostgreSQL keeps them
    /// in chunks of 1 MiB: this one spans three, the last one short), and the empty object too.
    @Test(arguments: StoreKind.all) func objectsComeBackWhole(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let bytes = (0..<(2 << 20) + 12_345).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
            let ref = BlobRef(of: bytes)
            try await store.putObject(ref, bytes: bytes)
            try await store.putObject(ref, bytes: bytes)
            #expect(try await store.object(ref.sha256) == bytes)
            #expect(try await store.objectSize(ref.sha256) == bytes.count)
            let empty = BlobRef(of: [])
            try await store.putObject(empty, bytes: [])
            #expect(try await store.object(empty.sha256) == [])
            #expect(try await store.object(BlobRef(of: [1]).sha256) == nil)
            #expect(try await store.objectSize(BlobRef(of: [1]).sha256) == nil)
        }
    }

    @Test(arguments: StoreKind.all) func tasksAreLeasedInOrderOneAtATimeAndResultsAreIdempotent(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let run = try await store.beginRun(key: nil, now: 0)
            let blob: [UInt8] = [8, 8]
            try await store.putObject(BlobRef(of: blob), bytes: blob)
            let tasks = [NewTask(device: 1, kind: "a", spec: [0], blobs: [BlobRef(of: blob)]), NewTask(device: 2, kind: "b", spec: [1], blobs: []),
                         NewTask(device: 1, kind: "c", spec: [2], blobs: [])]
            let (round, ids) = try await store.openRound(run: run, number: 1, tasks: tasks, deadline: 10, now: 0)
            #expect(try await store.readyDevices(run: run, first: 0, end: 5) == [1, 2])
            let first = try #require(try await store.leaseOne(run: run, device: 1, leaseUntil: 10))
            #expect(first.id == ids[0] && first.state == .leased && first.blobs == [BlobRef(of: blob)] && first.spec == [0] && first.kind == "a")
            #expect(try await store.task(ids[0]) == first)
            #expect(try await store.taskOwner(ids[0]).map { [$0.run, Int64($0.device)] } == [run, 1])
            #expect(try await store.taskOwner(99_999) == nil)
            // Device 1 has a leased task: its next one waits.
            #expect(try await store.leaseOne(run: run, device: 1, leaseUntil: 10) == nil)
            #expect(try await store.readyDevices(run: run, first: 0, end: 5) == [2])
            #expect(try await store.deviceHoldsLease(run: run, device: 1, on: BlobRef(of: blob).sha256))
            #expect(try await store.deviceHoldsLease(run: run, device: 2, on: BlobRef(of: blob).sha256) == false)
            #expect(try await store.deviceHoldsLease(run: run, device: 1, on: [UInt8](repeating: 0, count: 32)) == false)

            let result = StoredResult(spec: [5], blobs: [], failure: nil)
            #expect(try await store.recordOne(task: ids[0], device: 2, result: result, now: 1) == .wrongDevice(owner: 1))
            #expect(try await store.recordOne(task: ids[0], device: 1, result: result, now: 1) == .recorded)
            #expect(try await store.recordOne(task: ids[0], device: 1, result: result, now: 1) == .duplicate)
            #expect(try await store.recordOne(task: 12345, device: 1, result: result, now: 1) == .unknownTask)
            let second = try #require(try await store.leaseOne(run: run, device: 1, leaseUntil: 10))
            #expect(second.id == ids[2])

            // A device that joins again gets its leased task back as pending.
            #expect(try await store.releaseLeases(run: run, device: 1) == 1)
            #expect(try await store.openTaskCount(round: round) == 2)

            try await store.closeRound(round, reason: "timeout")
            #expect(try await store.openTaskCount(round: round) == 0)
            #expect(try await store.recordOne(task: ids[1], device: 2, result: result, now: 2) == .dropped)
            let rows = try await store.roundTasks(round)
            #expect(rows.map(\.task.state) == [.done, .dropped, .dropped])
            #expect(rows[0].result == result)
            #expect(rows[1].task.dropReason == "timeout")
            let counts = try await store.counts(run: run, seenSince: 0)
            #expect(counts.tasks[.done] == 1 && counts.tasks[.dropped] == 2 && counts.tasks[.pending] == 0)
        }
    }

    /// A poll's lease and a push's record in one transaction each: one task per ready device in
    /// the order asked, the spec budget cut (the first task always goes), and a batch of results
    /// with every outcome at once, its blobs stored with it.
    @Test(arguments: StoreKind.all) func leasesAndResultsGoInBatches(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let run = try await store.beginRun(key: nil, now: 0)
            let spec = [UInt8](repeating: 1, count: 100)
            let tasks = [NewTask(device: 3, kind: "a", spec: spec, blobs: []), NewTask(device: 1, kind: "b", spec: spec, blobs: []),
                         NewTask(device: 1, kind: "c", spec: spec, blobs: []), NewTask(device: 2, kind: "d", spec: spec, blobs: [])]
            let (round, ids) = try await store.openRound(run: run, number: 1, tasks: tasks, deadline: 10, now: 0)
            // Device 1's second task waits for its first; the budget of 250 bytes takes two tasks.
            let leased = try await store.leaseNext(run: run, devices: [1, 2, 3], leaseUntil: 10, specBudget: 250)
            #expect(leased.map(\.id) == [ids[1], ids[3]])
            #expect(try await store.leaseNext(run: run, devices: [1, 2, 3], leaseUntil: 10, specBudget: 1).map(\.id) == [ids[0]])
            #expect(try await store.leaseNext(run: run, devices: [1, 2, 3], leaseUntil: 10, specBudget: 1 << 20).isEmpty)

            let blob: [UInt8] = [4, 5, 6], other: [UInt8] = [7]
            let withBlob = StoredResult(spec: [9], blobs: [BlobRef(of: blob), BlobRef(of: other)], failure: nil)
            let failed = StoredResult(spec: [], blobs: [], failure: "no data")
            let outcomes = try await store.recordResults([ResultEntry(task: ids[1], device: 1, result: withBlob, blobBytes: [blob, other]),
                                                          ResultEntry(task: ids[3], device: 2, result: failed),
                                                          ResultEntry(task: ids[1], device: 1, result: withBlob, blobBytes: [blob, other]),
                                                          ResultEntry(task: ids[0], device: 2, result: failed),
                                                          ResultEntry(task: 999, device: 2, result: failed)], now: 1)
            #expect(outcomes == [.recorded, .recorded, .duplicate, .wrongDevice(owner: 3), .unknownTask])
            #expect(try await store.object(BlobRef(of: blob).sha256) == blob)
            // A result that names a blob it does not carry is refused, and nothing of its batch stays.
            await #expect(throws: FleetError.self) {
                try await store.recordResults([ResultEntry(task: ids[0], device: 3, result: failed),
                                               ResultEntry(task: ids[2], device: 1, result: withBlob)], now: 2)
            }
            let rows = try await store.roundTasks(round)
            #expect(rows.map(\.task.state) == [.leased, .done, .pending, .done])
            #expect(rows[1].result == withBlob && rows[3].result == failed && rows[0].result == nil)
            // Device 1's next task is ready now that its first has a result.
            #expect(try await store.leaseNext(run: run, devices: [1], leaseUntil: 10, specBudget: 1).map(\.id) == [ids[2]])
        }
    }

    /// A service restarted on the same store: the unfinished run under its key is found again,
    /// a replayed round keeps its answered tasks and reopens the rest, a round that differs is
    /// refused, and a finished run (or another key) is never resumed.
    @Test(arguments: StoreKind.all) func anUnfinishedRunIsResumedRoundByRound(kind: StoreKind) async throws {
        try await withStore(kind) { first, handle in
            let key = [UInt8](repeating: 7, count: 32), other = [UInt8](repeating: 8, count: 32)
            let tasks = [NewTask(device: 0, kind: "train", spec: [1], blobs: []), NewTask(device: 1, kind: "train", spec: [2], blobs: [])]
            #expect(try await first.unfinishedRun(key: key) == nil)
            let run = try await first.beginRun(key: key, now: 0)
            let (firstRound, ids) = try await first.openRound(run: run, number: 1, tasks: tasks, deadline: 10, now: 0)
            _ = try #require(try await first.leaseOne(run: run, device: 0, leaseUntil: 10))
            _ = try #require(try await first.leaseOne(run: run, device: 1, leaseUntil: 10))
            #expect(try await first.recordOne(task: ids[0], device: 0, result: StoredResult(spec: [42], blobs: [], failure: nil), now: 1) == .recorded)
            #expect(try await first.openTaskCount(round: firstRound) == 1)
            // The service dies here: device 1's task is still leased.

            let store = try await handle.openAgain()
            #expect(try await store.unfinishedRun(key: key) == run)
            #expect(try await store.unfinishedRun(key: other) == nil)
            let (round, again) = try await store.openRound(run: run, number: 1, tasks: tasks, deadline: 20, now: 5)
            #expect(again == ids && round == firstRound)
            let rows = try await store.roundTasks(round)
            #expect(rows.map(\.task.state) == [.done, .pending])
            #expect(rows[0].result?.spec == [42])
            #expect(try await store.openTaskCount(round: round) == 1)
            // The answered task is not leased again; the other one is.
            #expect(try await store.leaseOne(run: run, device: 0, leaseUntil: 20) == nil)
            #expect(try await store.leaseOne(run: run, device: 1, leaseUntil: 20)?.id == ids[1])
            // A replay that asks for something else is refused, naming the round and the task.
            let changed = [tasks[0], NewTask(device: 1, kind: "train", spec: [3], blobs: [])]
            do {
                _ = try await store.openRound(run: run, number: 1, tasks: changed, deadline: 20, now: 5)
                Issue.record("a different round was accepted")
            } catch let error as FleetError {
                #expect("\(error)".contains("round 1") && "\(error)".contains("task 1"), "\(error)")
            }
            await #expect(throws: FleetError.self) { try await store.openRound(run: run, number: 1, tasks: [tasks[0]], deadline: 20, now: 5) }
            // A finished run is over: the same key then starts a new run.
            try await store.finishRun(run)
            #expect(try await store.unfinishedRun(key: key) == nil)
            await #expect(throws: FleetError.self) { try await store.beginRun(key: [1, 2, 3], now: 9) }
        }
    }

    /// Two replicas on one database, each polling for every device at once and pushing what it
    /// leased: no task is leased to both, a device never has two tasks out, the same result pushed
    /// through both is recorded once (the other sees a duplicate), and every task ends done.
    @Test(.enabled(if: StoreKind.all.contains(.postgres))) func replicasShareTheStoreWithoutDoubleLeases() async throws {
        try await withStore(.postgres) { store, handle in
            let replicas = [store, try await handle.openAgain()]
            let run = try await store.beginRun(key: nil, now: 0)
            let devices = Array(0..<40)
            let tasks = (0..<3).flatMap { k in devices.map { NewTask(device: $0, kind: "t\(k)", spec: [UInt8(k)], blobs: []) } }
            let (round, ids) = try await store.openRound(run: run, number: 1, tasks: tasks, deadline: 100, now: 0)
            var outcomes: [Int64: [RecordOutcome]] = [:]
            var order: [Int: [Int64]] = [:]
            for _ in 0..<20 {
                // Both lease at the same time, then both push the union of what was leased.
                let leased = try await withThrowingTaskGroup(of: [StoredTask].self) { group in
                    for replica in replicas {
                        group.addTask { try await replica.leaseNext(run: run, devices: devices, leaseUntil: 100, specBudget: .max) }
                    }
                    return try await group.reduce(into: []) { $0.append(contentsOf: $1) }
                }
                #expect(Set(leased.map(\.id)).count == leased.count, "a task was leased twice")
                #expect(Set(leased.map(\.device)).count == leased.count, "a device had two tasks out")
                for task in leased { order[task.device, default: []].append(task.id) }
                if leased.isEmpty { break }
                let entries = leased.map { ResultEntry(task: $0.id, device: $0.device, result: StoredResult(spec: $0.spec, blobs: [], failure: nil)) }
                let answers = try await withThrowingTaskGroup(of: [RecordOutcome].self) { group in
                    for replica in replicas { group.addTask { try await replica.recordResults(entries, now: 1) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                for answer in answers {
                    for (entry, outcome) in zip(entries, answer) { outcomes[entry.task, default: []].append(outcome) }
                }
            }
            #expect(try await store.openTaskCount(round: round) == 0)
            #expect(Set(outcomes.keys) == Set(ids))
            for (task, seen) in outcomes {
                #expect(seen.sorted { "\($0)" < "\($1)" } == [.duplicate, .recorded], "task \(task): \(seen)")
            }
            // Each device's tasks went out in item order.
            for device in devices { #expect(order[device] == [ids[device], ids[device + 40], ids[device + 80]]) }
        }
    }

    /// A round opened by two replicas at once is one round with one set of tasks.
    @Test(.enabled(if: StoreKind.all.contains(.postgres))) func aRoundIsOpenedOnce() async throws {
        try await withStore(.postgres) { store, handle in
            let second = try await handle.openAgain()
            let run = try await store.beginRun(key: nil, now: 0)
            let tasks = (0..<50).map { NewTask(device: $0, kind: "t", spec: [UInt8($0)], blobs: []) }
            let opened = try await withThrowingTaskGroup(of: (round: Int64, taskIDs: [Int64]).self) { group in
                for replica in [store, second] {
                    group.addTask { try await replica.openRound(run: run, number: 1, tasks: tasks, deadline: 10, now: 0) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(opened.count == 2 && opened[0].round == opened[1].round && opened[0].taskIDs == opened[1].taskIDs)
            #expect(try await store.roundTasks(opened[0].round).count == 50)
        }
    }

    @Test func postgresURLsAreCheckedBeforeConnecting() throws {
        let url = try PostgresStoreURL("postgres://dcl:secret@127.0.0.1:5433/fleet", environment: [:])
        #expect(url.user == "dcl" && url.password == "secret" && url.host == "127.0.0.1" && url.port == 5433 && url.database == "fleet")
        #expect("\(url)" == "postgres://dcl@127.0.0.1:5433/fleet")
        #expect(try PostgresStoreURL("postgresql://u@db/x", environment: ["PGPASSWORD": "p"]).password == "p")
        #expect(try PostgresStoreURL("postgres://u@db/x", environment: [:]).port == 5432)
        #expect(try PostgresStoreURL("postgres://u@db/x?sslmode=require", environment: [:]).requireTLS)
        for bad in ["postgres://db/x", "postgres://u@/x", "postgres://u@db", "postgres://u@db/", "postgres://u@db/x/y",
                    "postgres://u@db/x?sslmode=prefer", "postgres://u@db/x?timeout=3", "postgres://u@db:0/x"] {
            #expect(throws: FleetError.self, "\(bad)") { try PostgresStoreURL(bad, environment: [:]) }
        }
        // A password in a URL that does not parse stays out of the message.
        do {
            _ = try PostgresStoreURL("postgres://u:hunter2@db/x?sslmode=prefer", environment: [:])
        } catch {
            #expect(!"\(error)".contains("hunter2") && "\(error)".contains("u:***@db"), "\(error)")
        }
    }

    /// A server that is not there: a clear error naming it, in bounded time.
    @Test(.enabled(if: StoreKind.all.contains(.postgres))) func anUnreachablePostgresIsAClearError() async throws {
        let url = try PostgresStoreURL("postgres://dcl@127.0.0.1:1/nothing", environment: [:])
        let start = ContinuousClock.now
        do {
            _ = try await PostgresFleetStore.open(url, connectTimeout: .seconds(3))
            Issue.record("a store opened on a closed port")
        } catch {
            #expect("\(error)".contains("cannot connect to postgres://dcl@127.0.0.1:1/nothing"), "\(error)")
        }
        // Refused at once when idle (0.1 s); the bound leaves room for a loaded CI machine.
        #expect(ContinuousClock.now - start < .seconds(60))
    }
}
