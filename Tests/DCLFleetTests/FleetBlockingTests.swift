// The blocking API, as the interpreter uses it: from a plain thread (XCTest runs its test
// methods on the main thread, outside Swift concurrency, like the interpreter's own thread).

import XCTest
@testable import DCLFleet

final class FleetBlockingTests: XCTestCase {
    /// The in-memory store frees a round's objects once its results are read (a CoDA run sends
    /// new weights and samples in every task: held forever they grew the service by ~80 MB per
    /// device); an object a later round uses again is stored again.
    func testInMemoryStoreFreesTheObjectsOfReadRounds() throws {
        let store = try SQLiteFleetStore()
        let service = try FleetService.startBlocking(FleetService.Configuration(joinToken: testJoinToken, store: store))
        defer { service.shutdown() }
        let host = try FleetDeviceHost(FleetDeviceHost.Configuration(service: FleetAddress(host: "127.0.0.1", port: service.port),
                                                                     devices: 0..<4, joinToken: testJoinToken, concurrency: 2,
                                                                     pollWait: .seconds(1)), handler: echo)
        let hostThread = Thread { _ = try? host.runBlocking() }
        hostThread.start()
        try service.waitForDevices(0..<4, timeout: .seconds(10))
        let shared = bytes(4096, seed: 99)
        for round in 0..<5 {
            let items = (0..<4).map { d in
                WorkItem(device: d, kind: "echo", spec: [UInt8(round)], blobs: [shared, bytes(1000 + d, seed: UInt64(round * 10 + d))])
            }
            let results = try service.runRound(items, policy: RoundPolicy(timeout: .seconds(20)))
            XCTAssertTrue(results == items.map { .success(WorkOutcome(spec: Array("\($0.device):".utf8) + $0.spec, blobs: $0.blobs.reversed())) },
                          "round \(round): the echoes differ")
            XCTAssertEqual(store.heldObjectCount, 0, "round \(round)")
        }
        try service.finish()
        let deadline = Date().addingTimeInterval(10)
        while !hostThread.isFinished && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        // A file store keeps its objects: a restarted service answers from them.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dcl-objects-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        XCTAssertNil(try SQLiteFleetStore(path: dir.appendingPathComponent("s.sqlite").path).heldObjectCount)
    }

    func testBlockingRoundsFromAPlainThread() throws {
        let service = try FleetService.startBlocking(FleetService.Configuration(joinToken: testJoinToken, store: try SQLiteFleetStore()))
        defer { service.shutdown() }
        XCTAssertGreaterThan(service.port, 0)
        let host = try FleetDeviceHost(FleetDeviceHost.Configuration(service: FleetAddress(host: "127.0.0.1", port: service.port),
                                                                     devices: 0..<8, joinToken: testJoinToken, concurrency: 2,
                                                                     pollWait: .seconds(1)), handler: echo)
        let hostThread = Thread { _ = try? host.runBlocking() }
        hostThread.start()

        XCTAssertThrowsError(try service.waitForDevices(0..<9, timeout: .milliseconds(300))) { error in
            guard case FleetError.devicesMissing(let missing, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(missing.contains(8))
        }
        try service.waitForDevices(0..<8, timeout: .seconds(10))
        let items = (0..<8).map { WorkItem(device: 7 - $0, kind: "echo", spec: [UInt8($0)], blobs: [[1, 2, 3]]) }
        let results = try service.runRound(items, policy: RoundPolicy(timeout: .seconds(20)))
        XCTAssertEqual(results, items.map { .success(WorkOutcome(spec: Array("\($0.device):".utf8) + $0.spec, blobs: [[1, 2, 3]])) })
        let report = try service.runRoundReport(Array(items.prefix(2)), policy: RoundPolicy(timeout: .seconds(20)))
        XCTAssertEqual(report.round, 2)
        XCTAssertGreaterThan(report.bytesUp, 0)

        // Bad policies and items are refused before anything is sent.
        XCTAssertThrowsError(try service.runRound(items, policy: RoundPolicy(minResponses: 1.5, timeout: .seconds(1))))
        XCTAssertThrowsError(try service.runRound([WorkItem(device: -1, kind: "k")], policy: RoundPolicy()))

        try service.finish()
        // The host leaves by itself once the run is finished.
        let deadline = Date().addingTimeInterval(10)
        while !hostThread.isFinished && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertTrue(hostThread.isFinished)
    }

    /// A host that went away: its devices' items are dropped at the timeout, the others answer;
    /// below min_responses the round throws, with every item's result. An XCTest on purpose:
    /// XCTest runs alone, before swift-testing's parallel suites, whose synchronous tests can hold
    /// Swift's cooperative threads for long stretches and would make any round timeout a guess.
    func testSilentHostIsDroppedAtTimeout() throws {
        let service = try FleetService.startBlocking(FleetService.Configuration(joinToken: testJoinToken, store: try SQLiteFleetStore()))
        defer { service.shutdown() }
        let a = try RunningHost(port: service.port, devices: 0..<25, handler: echo)
        let b = try RunningHost(port: service.port, devices: 25..<50, handler: echo)
        defer { _ = try? blocking { await a.stop() } }
        try service.waitForDevices(0..<50, timeout: .seconds(60))
        _ = try blocking { await b.stop() }

        let items = (0..<50).map { WorkItem(device: $0, kind: "echo", spec: [UInt8($0)]) }
        let report = try service.runRoundReport(items, policy: RoundPolicy(minResponses: 0.5, timeout: .seconds(8)))
        for (i, result) in report.results.enumerated() {
            if i < 25 {
                XCTAssertEqual(result, .success(WorkOutcome(spec: Array("\(i):".utf8) + [UInt8(i)])))
            } else {
                guard case .failure(.dropped(let reason)) = result else { XCTFail("item \(i): \(result)"); continue }
                XCTAssertTrue(reason.contains("timeout"), reason)
            }
        }

        // Five of host A's devices and all 25 of host B's: 5 answers, and 0.9 × 30 needs 27.
        let mixed = Array(items[0..<5] + items[25..<50])
        XCTAssertThrowsError(try service.runRound(mixed, policy: RoundPolicy(minResponses: 0.9, timeout: .seconds(4)))) { error in
            guard case FleetError.tooFewResponses(let round, let answered, let required, let results) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(round, 2)
            XCTAssertEqual(answered, 5)
            XCTAssertEqual(required, 27)
            XCTAssertEqual(results.count, 30)
        }
        let status = try FleetStatus.queryBlocking(FleetAddress(host: "127.0.0.1", port: service.port), joinToken: testJoinToken,
                                                   timeout: .seconds(30))
        XCTAssertEqual(status.tasksDone, 30)
        XCTAssertEqual(status.tasksDropped, 50)
        XCTAssertEqual(status.devicesRegistered, 50)
        XCTAssertEqual(status.currentRound, 2)
    }
}
