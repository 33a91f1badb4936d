// Authentication and idempotence, by speaking the protocol by hand: a raw client joins for a few
// devices, the service opens a round for them in the background, and the client leases and
// pushes with the right and the wrong tokens.

import DCLFleetProto
import Foundation
import GRPCCore
import Testing
@testable import DCLFleet

@Suite(.timeLimit(.minutes(3))) struct FleetAuthTests {
    @Test func wrongJoinTokenIsRefused() async throws {
        let service = try await startService()
        let host = try RunningHost(port: service.port, devices: 0..<2, joinToken: "not-the-token", handler: echo)
        do {
            try await host.task.value
            Issue.record("a host with a wrong join token ran")
        } catch let error as FleetError {
            #expect("\(error)".contains("join token"))
        }
        let code = await rpcCode { try await withRawClient(service.port) { c, _ in _ = try await c.join(0..<2, token: "nope") } }
        #expect(code == .unauthenticated)
        await service.stop()
    }

    @Test func devicesUseOnlyTheirOwnTokensAndResultsAreIdempotent() async throws {
        let service = try await startService()
        try await withRawClient(service.port) { client, _ in
            let joined = try await client.join(0..<2)
            let t0 = try #require(joined.deviceTokens[0]), t1 = try #require(joined.deviceTokens[1])
            #expect(t0 != t1 && t0.count == 64)

            // Claiming a registered device without its token is refused; with it, accepted.
            #expect(await rpcCode { _ = try await client.join(0..<2) } == .permissionDenied)
            _ = try await client.poll(session: joined.sessionToken)
            let rejoined = try await client.join(0..<2, presenting: [0: t0, 1: t1])
            #expect(rejoined.deviceTokens[0] == t0)
            // The earlier session over the same devices is void; the new one works.
            #expect(await rpcCode { _ = try await client.poll(session: joined.sessionToken) } == .unauthenticated)
            #expect(try await client.poll(session: rejoined.sessionToken).readyDevices.isEmpty)

            let items = [WorkItem(device: 0, kind: "k", spec: [0], blobs: [[9, 9, 9]]), WorkItem(device: 1, kind: "k", spec: [1])]
            let round = Task { try await service.round(items, policy: RoundPolicy(timeout: .seconds(60))) }

            // Device 1's token cannot lease device 0's task.
            #expect(await rpcCode { _ = try await client.lease(device: 0, token: t1) } == .permissionDenied)
            #expect(await rpcCode { _ = try await client.lease(device: 0, token: "garbage") } == .permissionDenied)
            #expect(await rpcCode { _ = try await client.lease(device: 7, token: t0) } == .permissionDenied)

            // The round opens in the background: lease until it has.
            var task0: Dcl_Fleet_V1_Task?
            _ = try await eventuallyAsync {
                let response = try await client.lease(device: 0, token: t0)
                if response.hasTask { task0 = response.task }
                return response.hasTask
            }
            let task = try #require(task0)
            #expect(task.device == 0 && task.blobs.count == 1)

            // Device 1 cannot fetch device 0's object, nor push its result.
            var fetch = Dcl_Fleet_V1_FetchBlobRequest()
            fetch.device = 1
            fetch.sha256 = task.blobs[0].sha256
            #expect(await rpcCode {
                _ = try await client.fetchBlob(request: ClientRequest(message: fetch, metadata: bearer(t1))) { r in
                    for try await _ in r.messages {}
                }
            } == .permissionDenied)
            #expect(await rpcCode { _ = try await client.push(resultHeader(task: task.taskID, device: 1), token: t1) } == .permissionDenied)
            #expect(await rpcCode { _ = try await client.push(resultHeader(task: task.taskID, device: 0), token: t1) } == .permissionDenied)
            #expect(await rpcCode { _ = try await client.push(resultHeader(task: 999_999, device: 0), token: t0) } == .notFound)

            // The right token: recorded once; the replay is acknowledged, not recorded again.
            let outcome: [UInt8] = [1, 2, 3, 4]
            let first = try await client.push(resultHeader(task: task.taskID, device: 0, spec: [42], blobs: [outcome]), chunks: [outcome], token: t0)
            #expect(first.recorded)
            let replay = try await client.push(resultHeader(task: task.taskID, device: 0, spec: [42], blobs: [outcome]), chunks: [outcome], token: t0)
            #expect(!replay.recorded)

            // Device 1 answers too (a failure), and the round closes with both.
            let task1 = try await client.lease(device: 1, token: t1).task
            var failed = resultHeader(task: task1.taskID, device: 1)
            failed.failed = true
            failed.errorMessage = "no data on this device"
            #expect(try await client.push(failed, token: t1).recorded)
            let report = try await round.value
            #expect(report.results == [.success(WorkOutcome(spec: [42], blobs: [outcome])), .failure(.failed(message: "no data on this device"))])
            let status = try await FleetStatus.query(FleetAddress(host: "127.0.0.1", port: service.port), joinToken: testJoinToken,
                                                     timeout: .seconds(60))
            #expect(status.tasksDone == 2)
        }
        await service.stop()
    }

    @Test func statusNeedsTheJoinTokenAndNamesAnEmptyAddress() async throws {
        let service = try await startService()
        let address = FleetAddress(host: "127.0.0.1", port: service.port)
        do {
            _ = try await FleetStatus.query(address, joinToken: "wrong", timeout: .seconds(60))
            Issue.record("status with a wrong token answered")
        } catch let error as FleetError {
            #expect("\(error)".contains("refused"))
        }
        let status = try await FleetStatus.query(address, joinToken: testJoinToken, timeout: .seconds(60))
        #expect(status.currentRound == 0 && status.devicesRegistered == 0 && !status.finished)
        #expect(status.lines.count == 5)
        await service.stop()
        do {
            _ = try await FleetStatus.query(address, joinToken: testJoinToken, timeout: .seconds(2))
            Issue.record("status answered with no service")
        } catch let error as FleetError {
            #expect("\(error)".contains("no fleet service answers at 127.0.0.1:\(service.port)"))
        }
    }

    @Test func plaintextIsRefusedOffLoopback() async throws {
        #expect(try FleetAddress(parsing: "127.0.0.1:0").isLoopback)
        #expect(try FleetAddress(parsing: "[::1]:7070").isLoopback)
        #expect(try FleetAddress(parsing: "localhost:7070").isLoopback)
        #expect(try !FleetAddress(parsing: "10.0.0.1:7070").isLoopback)
        #expect(throws: FleetError.self) { try FleetAddress(parsing: "127.0.0.1") }
        #expect(throws: FleetError.self) { try FleetAddress(parsing: "127.0.0.1:70000") }
        #expect(throws: FleetError.self) { try FleetAddress(parsing: ":80") }
        // Refused before anything is bound or sent.
        do {
            _ = try await FleetService.start(FleetService.Configuration(address: FleetAddress(host: "192.0.2.1", port: 0), joinToken: "t",
                                                                        store: try SQLiteFleetStore()))
            Issue.record("plaintext on a non-loopback address started")
        } catch FleetError.insecureRefused(let host) {
            #expect(host == "192.0.2.1")
        }
        #expect(throws: FleetError.self) {
            _ = try FleetDeviceHost(FleetDeviceHost.Configuration(service: FleetAddress(host: "192.0.2.1", port: 1), devices: 0..<1, joinToken: "t"),
                                    handler: echo)
        }
    }

    @Test func joinTokenComesFromFileOrEnvironment() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dcl-fleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("token").path
        try "abc123\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try JoinToken.load(file: file, environment: [:]) == "abc123")
        #expect(try JoinToken.load(file: nil, environment: ["DCL_JOIN_TOKEN": "xyz"]) == "xyz")
        #expect(throws: FleetError.self) { try JoinToken.load(file: nil, environment: [:]) }
        #expect(throws: FleetError.self) { try JoinToken.load(file: dir.appendingPathComponent("missing").path, environment: [:]) }
        #expect(JoinToken.generate().count == 64 && JoinToken.generate() != JoinToken.generate())
    }
}

/// `eventually` for an async condition.
func eventuallyAsync(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return false
}
