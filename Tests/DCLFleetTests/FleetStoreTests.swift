// What only the SQLite store does: a file in WAL mode, objects' bytes in files beside it, bad
// paths. The behaviour every store shares is in FleetStoreContractTests.

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
    func leaseOne(run: Int64, device: Int, leaseUntil: Double) async throws -> StoredTask? {
        try await leaseNext(run: run, devices: [device], leaseUntil: leaseUntil, specBudget: .max).first
    }

    /// One result, as a push carrying it alone records it.
    func recordOne(task: Int64, device: Int, result: StoredResult, now: Double) async throws -> RecordOutcome {
        try await recordResults([ResultEntry(task: task, device: device, result: result)], now: now)[0]
    }
}
