// The SQLite store: migrations on a new file, reopening, refusing a newer schema, and the task
// life cycle (lease order, one lease per device, idempotent results, dropping at close).

import Foundation
import GRDB
import Testing
@testable import DCLFleet

@Suite struct FleetStoreTests {
    private func temporaryFile() throws -> (dir: URL, path: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dcl-fleet-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (dir, dir.appendingPathComponent("fleet.sqlite").path)
    }

    @Test func migratesAnEmptyFileAndReopensIt() throws {
        let (dir, path) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokenHash = Digest.tokenHash("device-token")
        do {
            let store = try SQLiteFleetStore.open(spec: "sqlite:\(path)")
            #expect(try store.appliedMigrations() == SQLiteFleetStore.migrationNames)
            let run = try store.beginRun(key: nil, now: 1)
            try store.registerDevice(run: run, device: 3, tokenHash: tokenHash, now: 1)
            let blob = BlobRef(of: [1, 2, 3])
            try store.putObject(blob, bytes: [1, 2, 3])
            _ = try store.openRound(run: run, number: 1, tasks: [NewTask(device: 3, kind: "k", spec: [9], blobs: [blob])], deadline: 100, now: 1)
            // A file store writes ahead (WAL): the log sits beside the database while it is open.
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        }
        let reopened = try SQLiteFleetStore(path: path)
        #expect(try reopened.appliedMigrations() == SQLiteFleetStore.migrationNames)
        #expect(try reopened.deviceTokenHash(run: 1, device: 3) == tokenHash)
        #expect(try reopened.deviceTokenHash(run: 1, device: 4) == nil)
        #expect(try reopened.object(BlobRef(of: [1, 2, 3]).sha256) == [1, 2, 3])
        #expect(try reopened.readyDevices(run: 1, first: 0, end: 10) == [3])
        #expect(try reopened.beginRun(key: nil, now: 2) == 2)
    }

    /// A file store keeps its objects' bytes in files beside the database, written whole under a
    /// temporary name and renamed; the database keeps hash and size. An object written inside the
    /// database by an older dcl is still read from there, and a missing or cut file is an error
    /// naming the object.
    @Test func objectsLiveInFilesBesideTheDatabase() throws {
        let (dir, path) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteFleetStore(path: path)
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let ref = BlobRef(of: bytes)
        try store.putObject(ref, bytes: bytes)
        try store.putObject(ref, bytes: bytes)
        let file = dir.appendingPathComponent("fleet.sqlite.objects/\(String(ref.hex.prefix(2)))/\(ref.hex)").path
        #expect(FileManager.default.contents(atPath: file).map { [UInt8]($0) } == bytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: (file as NSString).deletingLastPathComponent) == [ref.hex])
        #expect(try store.object(ref.sha256) == bytes)
        #expect(try store.objectSize(ref.sha256) == bytes.count)
        let empty = BlobRef(of: [])
        try store.putObject(empty, bytes: [])
        #expect(try store.object(empty.sha256) == [])
        #expect(try store.object(BlobRef(of: [1]).sha256) == nil)

        // An object an older dcl wrote inside the database.
        let old: [UInt8] = [7, 7, 7]
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO objects (sha256, size, bytes) VALUES (?, ?, ?)", arguments: [Data(BlobRef(of: old).sha256), 3, Data(old)])
        }
        try queue.close()
        #expect(try store.object(BlobRef(of: old).sha256) == old)

        // A file cut short, then gone.
        try Data(bytes.prefix(10)).write(to: URL(fileURLWithPath: file))
        #expect { try store.object(ref.sha256) } throws: { "\($0)".contains("has 10 bytes") }
        try FileManager.default.removeItem(atPath: file)
        #expect { try store.object(ref.sha256) } throws: { "\($0)".contains("missing") && "\($0)".contains(ref.hex) }
    }

    @Test func refusesAStoreFromANewerVersion() throws {
        let (dir, path) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try SQLiteFleetStore(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')") }
        try queue.close()
        do {
            _ = try SQLiteFleetStore(path: path)
            Issue.record("a newer schema was accepted")
        } catch let error as FleetError {
            #expect("\(error)".contains("newer"))
        }
        #expect(throws: FleetError.self) { try SQLiteFleetStore.open(spec: "postgres:nope") }
        #expect(throws: FleetError.self) { try SQLiteFleetStore(path: dir.appendingPathComponent("no/such/dir/x.sqlite").path) }
    }

    @Test func tasksAreLeasedInOrderOneAtATimeAndResultsAreIdempotent() throws {
        let store = try SQLiteFleetStore()
        let run = try store.beginRun(key: nil, now: 0)
        let tasks = [NewTask(device: 1, kind: "a", spec: [0], blobs: []), NewTask(device: 2, kind: "b", spec: [1], blobs: []),
                     NewTask(device: 1, kind: "c", spec: [2], blobs: [])]
        let (round, ids) = try store.openRound(run: run, number: 1, tasks: tasks, deadline: 10, now: 0)
        #expect(try store.readyDevices(run: run, first: 0, end: 5) == [1, 2])
        let first = try #require(try store.leaseOne(run: run, device: 1, leaseUntil: 10))
        #expect(first.id == ids[0] && first.state == .leased)
        // Device 1 has a leased task: its next one waits.
        #expect(try store.leaseOne(run: run, device: 1, leaseUntil: 10) == nil)
        #expect(try store.readyDevices(run: run, first: 0, end: 5) == [2])
        #expect(try store.deviceHoldsLease(run: run, device: 1, on: [UInt8](repeating: 0, count: 32)) == false)

        let result = StoredResult(spec: [5], blobs: [], failure: nil)
        #expect(try store.recordOne(task: ids[0], device: 2, result: result, now: 1) == .wrongDevice(owner: 1))
        #expect(try store.recordOne(task: ids[0], device: 1, result: result, now: 1) == .recorded)
        #expect(try store.recordOne(task: ids[0], device: 1, result: result, now: 1) == .duplicate)
        #expect(try store.recordOne(task: 12345, device: 1, result: result, now: 1) == .unknownTask)
        let second = try #require(try store.leaseOne(run: run, device: 1, leaseUntil: 10))
        #expect(second.id == ids[2])

        // A device that joins again gets its leased task back as pending.
        #expect(try store.releaseLeases(run: run, device: 1) == 1)
        #expect(try store.openTaskCount(round: round) == 2)

        try store.closeRound(round, reason: "timeout")
        #expect(try store.openTaskCount(round: round) == 0)
        #expect(try store.recordOne(task: ids[1], device: 2, result: result, now: 2) == .dropped)
        let rows = try store.roundTasks(round)
        #expect(rows.map(\.task.state) == [.done, .dropped, .dropped])
        #expect(rows[0].result == result)
        #expect(rows[1].task.dropReason == "timeout")
        let counts = try store.counts(run: run, seenSince: 0)
        #expect(counts.tasks[.done] == 1 && counts.tasks[.dropped] == 2 && counts.tasks[.pending] == 0)
    }

    /// A poll's lease and a push's record in one transaction each: one task per ready device in
    /// the order asked, the spec budget cut (the first task always goes), and a batch of results
    /// with every outcome at once, its blobs stored with it.
    @Test func leasesAndResultsGoInBatches() throws {
        let store = try SQLiteFleetStore()
        let run = try store.beginRun(key: nil, now: 0)
        let spec = [UInt8](repeating: 1, count: 100)
        let tasks = [NewTask(device: 3, kind: "a", spec: spec, blobs: []), NewTask(device: 1, kind: "b", spec: spec, blobs: []),
                     NewTask(device: 1, kind: "c", spec: spec, blobs: []), NewTask(device: 2, kind: "d", spec: spec, blobs: [])]
        let (round, ids) = try store.openRound(run: run, number: 1, tasks: tasks, deadline: 10, now: 0)
        // Device 1's second task waits for its first; the budget of 250 bytes takes two tasks.
        let leased = try store.leaseNext(run: run, devices: [1, 2, 3], leaseUntil: 10, specBudget: 250)
        #expect(leased.map(\.id) == [ids[1], ids[3]])
        #expect(try store.leaseNext(run: run, devices: [1, 2, 3], leaseUntil: 10, specBudget: 1).map(\.id) == [ids[0]])
        #expect(try store.leaseNext(run: run, devices: [1, 2, 3], leaseUntil: 10, specBudget: 1 << 20).isEmpty)

        let blob: [UInt8] = [4, 5, 6]
        let withBlob = StoredResult(spec: [9], blobs: [BlobRef(of: blob)], failure: nil)
        let failed = StoredResult(spec: [], blobs: [], failure: "no data")
        let outcomes = try store.recordResults([ResultEntry(task: ids[1], device: 1, result: withBlob, blobBytes: [blob]),
                                                ResultEntry(task: ids[3], device: 2, result: failed),
                                                ResultEntry(task: ids[1], device: 1, result: withBlob, blobBytes: [blob]),
                                                ResultEntry(task: ids[0], device: 2, result: failed),
                                                ResultEntry(task: 999, device: 2, result: failed)], now: 1)
        #expect(outcomes == [.recorded, .recorded, .duplicate, .wrongDevice(owner: 3), .unknownTask])
        #expect(try store.object(BlobRef(of: blob).sha256) == blob)
        // A result that names a blob it does not carry is refused, and nothing of its batch stays.
        #expect(throws: FleetError.self) {
            try store.recordResults([ResultEntry(task: ids[0], device: 3, result: failed),
                                     ResultEntry(task: ids[2], device: 1, result: withBlob)], now: 2)
        }
        #expect(try store.roundTasks(round).map(\.task.state) == [.leased, .done, .pending, .done])
        // Device 1's next task is ready now that its first has a result.
        #expect(try store.leaseNext(run: run, devices: [1], leaseUntil: 10, specBudget: 1).map(\.id) == [ids[2]])
    }

    /// A service restarted on the same store: the unfinished run under its key is found again,
    /// a replayed round keeps its answered tasks and reopens the rest, a round that differs is
    /// refused, and a finished run (or another key) is never resumed.
    @Test func anUnfinishedRunIsResumedRoundByRound() throws {
        let (dir, path) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = [UInt8](repeating: 7, count: 32), other = [UInt8](repeating: 8, count: 32)
        let tasks = [NewTask(device: 0, kind: "train", spec: [1], blobs: []), NewTask(device: 1, kind: "train", spec: [2], blobs: [])]
        let (run, ids): (Int64, [Int64])
        do {
            let store = try SQLiteFleetStore(path: path)
            #expect(try store.unfinishedRun(key: key) == nil)
            run = try store.beginRun(key: key, now: 0)
            let round: Int64
            (round, ids) = try store.openRound(run: run, number: 1, tasks: tasks, deadline: 10, now: 0)
            _ = try #require(try store.leaseOne(run: run, device: 0, leaseUntil: 10))
            _ = try #require(try store.leaseOne(run: run, device: 1, leaseUntil: 10))
            #expect(try store.recordOne(task: ids[0], device: 0, result: StoredResult(spec: [42], blobs: [], failure: nil), now: 1) == .recorded)
            #expect(try store.openTaskCount(round: round) == 1)
            // The service dies here: device 1's task is still leased.
        }
        let store = try SQLiteFleetStore(path: path)
        #expect(try store.unfinishedRun(key: key) == run)
        #expect(try store.unfinishedRun(key: other) == nil)
        let (round, again) = try store.openRound(run: run, number: 1, tasks: tasks, deadline: 20, now: 5)
        #expect(again == ids)
        let rows = try store.roundTasks(round)
        #expect(rows.map(\.task.state) == [.done, .pending])
        #expect(rows[0].result?.spec == [42])
        #expect(try store.openTaskCount(round: round) == 1)
        // The answered task is not leased again; the other one is.
        #expect(try store.leaseOne(run: run, device: 0, leaseUntil: 20) == nil)
        #expect(try store.leaseOne(run: run, device: 1, leaseUntil: 20)?.id == ids[1])
        // A replay that asks for something else is refused, naming the round and the task.
        let changed = [tasks[0], NewTask(device: 1, kind: "train", spec: [3], blobs: [])]
        do {
            _ = try store.openRound(run: run, number: 1, tasks: changed, deadline: 20, now: 5)
            Issue.record("a different round was accepted")
        } catch let error as FleetError {
            #expect("\(error)".contains("round 1") && "\(error)".contains("task 1"), "\(error)")
        }
        #expect(throws: FleetError.self) { try store.openRound(run: run, number: 1, tasks: [tasks[0]], deadline: 20, now: 5) }
        // A finished run is over: the same key then starts a new run.
        try store.finishRun(run)
        #expect(try store.unfinishedRun(key: key) == nil)
        #expect(throws: FleetError.self) { try store.beginRun(key: [1, 2, 3], now: 9) }
    }

    @Test func runKeysNameWhatARunComputes() {
        let a = RunKey.of(version: "1", sources: [[1, 2], [3]], seed: 0, assignments: ["a=1", "b=2"])
        #expect(a.count == 32)
        #expect(a == RunKey.of(version: "1", sources: [[1, 2], [3]], seed: 0, assignments: ["b=2", "a=1"]))
        #expect(a != RunKey.of(version: "1", sources: [[1], [2, 3]], seed: 0, assignments: ["a=1", "b=2"]))
        #expect(a != RunKey.of(version: "1", sources: [[1, 2], [3]], seed: 1, assignments: ["a=1", "b=2"]))
        #expect(a != RunKey.of(version: "2", sources: [[1, 2], [3]], seed: 0, assignments: ["a=1", "b=2"]))
        #expect(a != RunKey.of(version: "1", sources: [[1, 2], [3]], seed: 0, assignments: ["a=1"]))
    }
}

extension FleetStore {
    /// One device's next task, as a poll for that device alone leases it.
    func leaseOne(run: Int64, device: Int, leaseUntil: Double) throws -> StoredTask? {
        try leaseNext(run: run, devices: [device], leaseUntil: leaseUntil, specBudget: .max).first
    }

    /// One result, as a push carrying it alone records it.
    func recordOne(task: Int64, device: Int, result: StoredResult, now: Double) throws -> RecordOutcome {
        try recordResults([ResultEntry(task: task, device: device, result: result)], now: now)[0]
    }
}
