// Peers that hold connections without using them: slow-loris clients that never finish the
// HTTP/2 preface, idle connections, and more connections than the service holds at once. Each is
// closed by the service within its bound, and the service still runs a round afterwards.

import Foundation
import Testing
@testable import DCLFleet

@Suite struct FleetSlowClientTests {
    @Test func slowLorisAndSilentConnectionsAreClosedAndTheServiceGoesOn() async throws {
        var limits = FleetLimits()
        limits.firstRPCDeadline = .seconds(3)
        limits.maxPollWait = .milliseconds(200)
        let service = try await startService(limits: limits)
        // 30 slow-loris peers: the first bytes of the preface, then one byte every 150 ms — never
        // a whole preface within the test — and 10 that connect and send nothing.
        let slow = try (0..<30).map { _ in try RawTCPConnection(port: service.port) }
        let silent = try (0..<10).map { _ in try RawTCPConnection(port: service.port) }
        for c in slow { c.send(Array(http2Preface.prefix(4))) }
        let trickle = Task.detached {
            for i in 4..<(http2Preface.count - 1) {
                for c in slow { c.send([http2Preface[i]]) }
                try? await Task.sleep(for: .milliseconds(150))
            }
        }
        // Every one is closed by the service: 3 s after it was accepted without an RPC, whatever
        // it sends.
        let started = ContinuousClock.now
        #expect(await waitUntilClosedByPeer(slow + silent, timeout: .seconds(30)) == slow.count + silent.count)
        let took = ContinuousClock.now - started
        #expect(took >= .milliseconds(2500), "closed before the deadline: \(took)")
        await trickle.value
        #expect(service.gate.cut == slow.count + silent.count)
        #expect(try await eventually(timeout: .seconds(20)) { service.gate.openConnections == 0 })

        // The service still runs a round.
        try await expectARoundCompletes(on: service, devices: 0..<3)
        await service.stop()
    }

    @Test func connectionsPastTheBoundAreClosedAtOnceAndTheirSlotsComeBack() async throws {
        var limits = FleetLimits()
        limits.maxConnections = 12
        limits.maxPollWait = .milliseconds(200)
        let service = try await startService(limits: limits)
        var held = try (0..<12).map { _ in try RawTCPConnection(port: service.port) }
        #expect(try await eventually(timeout: .seconds(20)) { service.gate.openConnections == 12 })
        let extra = try (0..<5).map { _ in try RawTCPConnection(port: service.port) }
        #expect(await waitUntilClosedByPeer(extra, timeout: .seconds(20)) == extra.count)
        #expect(service.gate.refused == 5)
        // The held ones are still open (the idle bound is a minute).
        #expect(held.allSatisfy { !$0.peerHasClosed() })

        // Freed slots serve a device host again.
        for c in held { c.close() }
        held.removeAll()
        #expect(try await eventually(timeout: .seconds(20)) { service.gate.openConnections == 0 })
        try await expectARoundCompletes(on: service, devices: 0..<2)
        await service.stop()
    }

    @Test func aMetricsClientThatNeverFinishesItsRequestIsCutOff() async throws {
        let server = try await MetricsHTTPServer.start(FleetAddress(host: "127.0.0.1", port: 0), connectionDeadline: .seconds(1),
                                                       maxConnections: 3) { Array("dcl_up 1\n".utf8) }
        let slow = try (0..<3).map { _ in try RawTCPConnection(port: server.port) }
        for c in slow { c.send(Array("GET /met".utf8)) }
        // Past the bound: closed at once.
        let extra = try RawTCPConnection(port: server.port)
        #expect(await waitUntilClosedByPeer([extra], timeout: .seconds(20)) == 1)
        #expect(extra.received.isEmpty)
        // The slow ones: cut off at the deadline, unanswered.
        // Cut at 1 s when idle; under the whole suite on 2 cores the test has taken 60–80 s.
        #expect(await waitUntilClosedByPeer(slow, timeout: .seconds(60)) == slow.count)
        #expect(slow.allSatisfy { $0.received.isEmpty })
        // A whole request is still answered.
        let scrape = try RawTCPConnection(port: server.port)
        scrape.send(Array("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
        #expect(await waitUntilClosedByPeer([scrape], timeout: .seconds(20)) == 1)
        let text = String(decoding: scrape.received, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK") && text.hasSuffix("dcl_up 1\n"), "\(text)")
        await server.stop()
    }
}

extension FleetSlowClientTests {
    @Test func connectionsInUseOutliveTheFirstRPCDeadline() async throws {
        var limits = FleetLimits()
        limits.firstRPCDeadline = .seconds(2)
        let service = try await startService(limits: limits)
        // Tasks of 5 s hold the host's connection busy past the deadline.
        let host = try RunningHost(port: service.port, devices: 0..<2, concurrency: 2) { item in
            usleep(5_000_000)
            return WorkOutcome(spec: item.spec)
        }
        try await service.devicesJoined(0..<2, timeout: .seconds(60))
        let report = try await service.round((0..<2).map { WorkItem(device: $0, kind: "slow", spec: [UInt8($0)]) },
                                             policy: RoundPolicy(timeout: .seconds(60)))
        #expect(report.results.allSatisfy { if case .success = $0 { true } else { false } })
        // The host's connection was seen starting RPCs, which stops its deadline. (Not `cut == 0`:
        // in a full parallel test run a starved client has taken over two seconds from
        // connecting to its first RPC, and been cut and reconnected, as it should be.)
        #expect(service.gate.started >= 1)
        await host.stop()
        await service.stop()
    }
}
