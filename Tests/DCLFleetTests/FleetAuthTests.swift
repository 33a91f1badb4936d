// Authentication and idempotence, by speaking the protocol by hand: a raw client joins two hosts'
// sessions, the service opens a round for their devices in the background, and the client polls,
// fetches and pushes with the right and the wrong sessions.

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

    /// A host proposes its devices' tokens: a join whose answer was lost, repeated with the same
    /// tokens, is accepted (the same tokens back); other tokens for those devices are refused,
    /// and a malformed proposal is replaced by a token of the service's own.
    @Test func aJoinRepeatedWithTheSameProposedTokensIsAccepted() async throws {
        let service = try await startService()
        try await withRawClient(service.port) { client, _ in
            let proposed = [0: String(repeating: "a", count: 64), 1: String(repeating: "b", count: 64)]
            let first = try await client.join(0..<2, presenting: proposed)
            #expect(first.deviceTokens[0] == proposed[0] && first.deviceTokens[1] == proposed[1])
            // The answer "was lost": the host asks again with what it proposed.
            let again = try await client.join(0..<2, presenting: proposed)
            #expect(again.deviceTokens[0] == proposed[0] && again.sessionToken != first.sessionToken)
            #expect(await rpcCode { _ = try await client.join(0..<2, presenting: [0: String(repeating: "c", count: 64), 1: proposed[1]!]) } == .permissionDenied)
            let odd = try await client.join(2..<3, presenting: [2: "short"])
            #expect(odd.deviceTokens[2] != "short" && odd.deviceTokens[2]?.count == 64)
        }
        await service.stop()
    }

    @Test func sessionsActOnlyForTheirOwnDevicesAndResultsAreIdempotent() async throws {
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
            // The earlier session over the same devices is void; the new one works. A device's
            // token is not a session token.
            #expect(await rpcCode { _ = try await client.poll(session: joined.sessionToken) } == .unauthenticated)
            #expect(await rpcCode { _ = try await client.poll(session: t0) } == .unauthenticated)
            #expect(try await client.poll(session: rejoined.sessionToken).tasks.isEmpty)
            // A second host, for device 2 only.
            let other = try await client.join(2..<3).sessionToken

            let items = [WorkItem(device: 0, kind: "k", spec: [0], blobs: [[9, 9, 9]]), WorkItem(device: 1, kind: "k", spec: [1]),
                         WorkItem(device: 2, kind: "k", spec: [2])]
            let round = Task { try await service.round(items, policy: RoundPolicy(timeout: .seconds(60))) }

            // The round opens in the background: poll until it has. A poll asking for one task
            // gets one; the second host's polls only ever bring device 2's.
            let session = rejoined.sessionToken
            let first = try await client.leaseTasks(session: session, maxTasks: 1)
            #expect(first.map(\.device) == [0])
            let task = first[0]
            #expect(task.blobs.count == 1 && task.spec == Data([0]))
            let second = try await client.leaseTasks(session: session, maxTasks: 8)
            #expect(second.map(\.device) == [1])
            let task1 = second[0]
            let otherTasks = try await client.leaseTasks(session: other, maxTasks: 8)
            #expect(otherTasks.map(\.device) == [2])
            let task2 = try #require(otherTasks.first)

            // The second host cannot fetch device 0's object, nor push its result, however it
            // names the device.
            var fetch = Dcl_Fleet_V1_FetchBlobRequest()
            fetch.device = 0
            fetch.sha256 = task.blobs[0].sha256
            #expect(await rpcCode {
                _ = try await client.fetchBlob(request: ClientRequest(message: fetch, metadata: bearer(other))) { r in
                    for try await _ in r.messages {}
                }
            } == .permissionDenied)
            fetch.device = 2
            #expect(await rpcCode {
                _ = try await client.fetchBlob(request: ClientRequest(message: fetch, metadata: bearer(other))) { r in
                    for try await _ in r.messages {}
                }
            } == .permissionDenied)
            #expect(await rpcCode { _ = try await client.push(resultHeader(task: task.taskID, device: 0), session: other) } == .permissionDenied)
            #expect(await rpcCode { _ = try await client.push(resultHeader(task: task.taskID, device: 2), session: other) } == .permissionDenied)
            #expect(await rpcCode { _ = try await client.push(resultHeader(task: task.taskID, device: 1), session: session) } == .permissionDenied)
            #expect(await rpcCode { _ = try await client.push(resultHeader(task: 999_999, device: 0), session: session) } == .notFound)
            #expect(await rpcCode { _ = try await client.push(resultHeader(task: task.taskID, device: 0), session: "garbage") } == .unauthenticated)
            // The host that holds the task fetches its object.
            fetch.device = 0
            let object = try await client.fetchBlob(request: ClientRequest(message: fetch, metadata: bearer(session))) { r in
                var bytes: [UInt8] = []
                for try await chunk in r.messages { bytes += chunk.data }
                return bytes
            }
            #expect(object == [9, 9, 9])

            // Both results in one stream: recorded once each; the replay is acknowledged, not
            // recorded again.
            let outcome: [UInt8] = [1, 2, 3, 4]
            var failed = resultHeader(task: task1.taskID, device: 1)
            failed.failed = true
            failed.errorMessage = "no data on this device"
            let results = [(resultHeader(task: task.taskID, device: 0, spec: [42], blobs: [outcome]), [outcome]), (failed, [])]
            #expect(try await client.push(results, session: session).acks.map(\.outcome) == [.recorded, .recorded])
            #expect(try await client.push(results, session: session).acks.map(\.outcome) == [.duplicate, .duplicate])
            #expect(try await client.push(resultHeader(task: task2.taskID, device: 2, spec: [7]), session: other).acks.map(\.outcome) == [.recorded])
            let report = try await round.value
            #expect(report.results == [.success(WorkOutcome(spec: [42], blobs: [outcome])), .failure(.failed(message: "no data on this device")),
                                       .success(WorkOutcome(spec: [7]))])
            // A replay after the round closed is still a duplicate; a result that comes after
            // its round closed without it is acknowledged as too late, beside one that counts.
            #expect(try await client.push(resultHeader(task: task2.taskID, device: 2, spec: [7]), session: other).acks.map(\.outcome) == [.duplicate])
            let late = Task { try await service.round([WorkItem(device: 0, kind: "k")], policy: RoundPolicy(minResponses: 0, timeout: .seconds(1))) }
            let lateTask = try #require(try await client.leaseTasks(session: session).first)
            let lateResults = try await late.value.results
            guard lateResults.count == 1, case .failure(.dropped) = lateResults[0] else {
                Issue.record("the late round's task was not dropped: \(lateResults)")
                return
            }
            let closed = try await client.push(resultHeader(task: lateTask.taskID, device: 0, spec: [1]), session: session)
            #expect(closed.acks.map(\.outcome) == [.tooLate])
            let status = try await FleetStatus.query(FleetAddress(host: "127.0.0.1", port: service.port), joinToken: testJoinToken,
                                                     timeout: .seconds(60))
            #expect(status.tasksDone == 3 && status.tasksDropped == 1)
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
