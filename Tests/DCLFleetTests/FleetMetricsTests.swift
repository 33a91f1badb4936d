// `GET /metrics` on a running service: scraped before and after rounds, the counters move (rounds,
// tasks by state, bytes, devices, RPC latencies by method); other paths, methods and oversized
// requests are refused.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import DCLFleet

@Suite(.timeLimit(.minutes(3))) struct FleetMetricsTests {
    static func fetch(_ port: Int, path: String = "/metrics", method: String = "GET", body: Data? = nil) async throws -> (Int, String, String?) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 10
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Content-Type"))
    }

    /// The value of the sample `name{labels}` (or `name` alone) in a Prometheus text page.
    static func sample(_ page: String, _ name: String) -> Double? {
        for line in page.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, parts[0] == name { return Double(parts[1]) }
        }
        return nil
    }

    @Test func countersMoveDuringARun() async throws {
        let service = try await startService(metrics: true)
        let port = try #require(service.metricsPort)
        let (status, before, type) = try await Self.fetch(port)
        #expect(status == 200)
        #expect(type?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(Self.sample(before, "dcl_rounds_total") == 0)
        #expect(Self.sample(before, #"dcl_tasks{state="done"}"#) == 0)

        let host = try RunningHost(port: service.port, devices: 0..<3, handler: echo)
        try await service.devicesJoined(0..<3, timeout: .seconds(30))
        let items = (0..<3).map { WorkItem(device: $0, kind: "echo", blobs: [bytes(5000, seed: UInt64($0))]) }
        _ = try await service.round(items, policy: RoundPolicy(timeout: .seconds(60)))
        let (_, during, _) = try await Self.fetch(port)
        #expect(Self.sample(during, "dcl_rounds_total") == 1)
        #expect(Self.sample(during, #"dcl_tasks{state="done"}"#) == 3)
        #expect(Self.sample(during, "dcl_devices_registered") == 3)
        #expect(Self.sample(during, "dcl_devices_connected") == 3)
        let up1 = try #require(Self.sample(during, "dcl_bytes_up_total")), down1 = try #require(Self.sample(during, "dcl_bytes_down_total"))
        #expect(up1 >= 3 * 5000 && down1 >= 3 * 5000)
        let pushes1 = try #require(Self.sample(during, #"dcl_rpc_duration_seconds_count{method="PushResults"}"#))
        #expect(pushes1 >= 1)
        #expect(during.contains(#"dcl_rpc_duration_seconds_bucket{method="Poll",le="#))
        #expect(during.contains("# TYPE dcl_rpc_duration_seconds histogram"))

        _ = try await service.round(items, policy: RoundPolicy(timeout: .seconds(60)))
        let (_, after, _) = try await Self.fetch(port)
        #expect(Self.sample(after, "dcl_rounds_total") == 2)
        #expect(Self.sample(after, #"dcl_tasks{state="done"}"#) == 6)
        #expect(try #require(Self.sample(after, "dcl_bytes_up_total")) > up1)
        #expect(try #require(Self.sample(after, #"dcl_rpc_duration_seconds_count{method="PushResults"}"#)) > pushes1)

        try await service.finishRun()
        try await host.task.value
        await service.stop()
    }

    @Test func onlyGetOfMetricsIsServed() async throws {
        let service = try await startService(metrics: true)
        let port = try #require(service.metricsPort)
        #expect(try await Self.fetch(port, path: "/").0 == 404)
        #expect(try await Self.fetch(port, path: "/metrics/x").0 == 404)
        #expect(try await Self.fetch(port, method: "POST", body: Data("x".utf8)).0 == 405)
        #expect(try await Self.fetch(port, method: "POST", body: Data(repeating: 65, count: 64 * 1024)).0 == 413)
        #expect(try await Self.fetch(port).0 == 200)
        await service.stop()
        // The listener is closed with the service.
        await #expect(throws: (any Error).self) { _ = try await Self.fetch(port) }
    }
}
