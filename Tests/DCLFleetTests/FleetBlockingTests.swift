// The blocking API, as the interpreter uses it: from a plain thread (XCTest runs its test
// methods on the main thread, outside Swift concurrency, like the interpreter's own thread).

import XCTest
@testable import DCLFleet

final class FleetBlockingTests: XCTestCase {
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
}
