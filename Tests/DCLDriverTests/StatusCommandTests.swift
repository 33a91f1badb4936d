// `dcl status HOST:PORT` against a live service, an address where nothing listens, and without a
// readable token. XCTest: the command blocks its thread on the RPC, which a test must not do on
// Swift's cooperative pool (swift-testing's) — XCTest runs it on the main thread, as `dcl` does.

import DCLFleet
import Foundation
import XCTest
@testable import DCLDriver

final class StatusCommandTests: XCTestCase {
    func testStatusAgainstALiveServiceAndAnEmptyPort() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dcl-status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokenFile = dir.appendingPathComponent("token").path
        let token = JoinToken.generate()
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)

        let service = try FleetService.startBlocking(FleetService.Configuration(joinToken: token, store: try SQLiteFleetStore()))
        let address = "127.0.0.1:\(service.port)"
        XCTAssertEqual(runCommand(["status", address, "--join-token-file", tokenFile]), ExitStatus.ok)
        let wrong = dir.appendingPathComponent("wrong").path
        try "not-the-token".write(toFile: wrong, atomically: true, encoding: .utf8)
        XCTAssertEqual(runCommand(["status", address, "--join-token-file", wrong]), ExitStatus.runtime)
        service.shutdown()

        // Nothing listens there any more: a clear runtime error, not a hang.
        XCTAssertEqual(runCommand(["status", address, "--join-token-file", tokenFile]), ExitStatus.runtime)
        XCTAssertEqual(runCommand(["status", address, "--join-token-file", dir.appendingPathComponent("missing").path]), ExitStatus.usage)
        XCTAssertEqual(runCommand(["status", "not-an-address", "--join-token-file", tokenFile]), ExitStatus.usage)
    }
}
