// A service and device hosts on 127.0.0.1 (port 0) in this process, and a raw client for the
// tests that speak the protocol by hand (authentication, replays, hostile messages).

import DCLFleetProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization
import Testing
@testable import DCLFleet

let testJoinToken = "test-join-token-0123456789abcdef"

func startService(store: (any FleetStore)? = nil, limits: FleetLimits = FleetLimits(), port: Int = 0, tls: FleetServerTLS? = nil,
                  metrics: Bool = false, events: (@Sendable (FleetEvent) -> Void)? = nil) async throws -> FleetService {
    try await FleetService.start(FleetService.Configuration(address: FleetAddress(host: "127.0.0.1", port: port), tls: tls, joinToken: testJoinToken,
                                                            store: try store ?? SQLiteFleetStore(), limits: limits,
                                                            metricsAddress: metrics ? FleetAddress(host: "127.0.0.1", port: 0) : nil,
                                                            events: events))
}

/// A device host running in a task of its own; `stop()` cancels it and waits.
final class RunningHost: Sendable {
    let host: FleetDeviceHost
    let task: Task<Void, any Error>

    init(port: Int, devices: Range<Int>, concurrency: Int = 4, joinToken: String = testJoinToken, seed: UInt64 = 0,
         backoff: BackoffPolicy? = nil, host name: String = "127.0.0.1", tls: FleetClientTLS? = nil, pollWait: Duration = .seconds(2),
         handler: @escaping FleetDeviceHost.Handler) throws {
        let configuration = FleetDeviceHost.Configuration(
            service: FleetAddress(host: name, port: port), devices: devices, joinToken: joinToken, concurrency: concurrency, tls: tls,
            pollWait: pollWait,
            backoff: backoff ?? BackoffPolicy(initialDelay: .milliseconds(50), maxDelay: .milliseconds(400), maxAttempts: 30, seed: seed))
        let host = try FleetDeviceHost(configuration, handler: handler)
        self.host = host
        self.task = Task { try await host.run() }
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// The echo handler: the outcome's spec is the item's device and spec, its blobs the item's
/// blobs reversed (so both directions carry every byte).
let echo: FleetDeviceHost.Handler = { item in
    WorkOutcome(spec: Array("\(item.device):".utf8) + item.spec, blobs: item.blobs.reversed())
}

/// Deterministic bytes (SplitMix64 from `seed`).
func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(seed: seed)
    var out: [UInt8] = []
    out.reserveCapacity(count + 8)
    while out.count < count {
        withUnsafeBytes(of: rng.next().littleEndian) { out.append(contentsOf: $0) }
    }
    return Array(out.prefix(count))
}

func bearer(_ token: String) -> Metadata { ["authorization": "Bearer \(token)"] }

typealias RawClient = Dcl_Fleet_V1_Fleet.Client<HTTP2ClientTransport.Posix>

/// A plain protocol client on the service's port.
func withRawClient<T: Sendable>(_ port: Int, _ body: (RawClient, GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
    let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
    return try await withClientEndingOnCancel(transport: transport) { client in
        try await body(Dcl_Fleet_V1_Fleet.Client(wrapping: client), client)
    }
}

/// The gRPC status code an operation failed with (nil when it succeeded).
func rpcCode(_ body: () async throws -> Void) async -> RPCError.Code? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error.code
    } catch {
        return .unknown
    }
}

extension RawClient {
    func join(_ devices: Range<Int>, token: String = testJoinToken, presenting: [Int: String] = [:]) async throws -> Dcl_Fleet_V1_JoinResponse {
        var request = Dcl_Fleet_V1_JoinRequest()
        request.firstDevice = UInt32(devices.lowerBound)
        request.endDevice = UInt32(devices.upperBound)
        for (d, t) in presenting { request.deviceTokens[UInt32(d)] = t }
        return try await join(request: ClientRequest(message: request, metadata: bearer(token))) { try $0.message }
    }

    func poll(session: String, waitMs: UInt32 = 0, maxTasks: UInt32 = 0) async throws -> Dcl_Fleet_V1_PollResponse {
        var request = Dcl_Fleet_V1_PollRequest()
        request.waitMs = waitMs
        request.maxTasks = maxTasks
        return try await poll(request: ClientRequest(message: request, metadata: bearer(session))) { try $0.message }
    }

    /// Polls (without waiting) until the session is handed at least one task; nil if none came
    /// within the bound.
    func leaseTasks(session: String, maxTasks: UInt32 = 1) async throws -> [Dcl_Fleet_V1_Task] {
        var tasks: [Dcl_Fleet_V1_Task] = []
        _ = try await eventuallyAsync {
            tasks = try await poll(session: session, waitMs: 100, maxTasks: maxTasks).tasks
            return !tasks.isEmpty
        }
        return tasks
    }

    /// Pushes a header and chunks as given (they need not be consistent: hostile tests lie).
    func push(_ header: Dcl_Fleet_V1_ResultHeader, chunks: [[UInt8]] = [], session: String) async throws -> Dcl_Fleet_V1_PushResponse {
        try await push([(header, chunks)], session: session)
    }

    /// Several results in one stream, each a header and its chunks.
    func push(_ results: [(Dcl_Fleet_V1_ResultHeader, [[UInt8]])], session: String) async throws -> Dcl_Fleet_V1_PushResponse {
        let request = StreamingClientRequest(of: Dcl_Fleet_V1_PushMessage.self, metadata: bearer(session)) { writer in
            for (header, chunks) in results {
                var first = Dcl_Fleet_V1_PushMessage()
                first.header = header
                try await writer.write(first)
                for chunk in chunks {
                    var message = Dcl_Fleet_V1_PushMessage()
                    message.chunk = Data(chunk)
                    try await writer.write(message)
                }
            }
        }
        return try await pushResults(request: request) { try $0.message }
    }
}

/// A result header for `outcome` of task `taskID`, with true hashes and sizes.
func resultHeader(task taskID: UInt64, device: Int, spec: [UInt8] = [], blobs: [[UInt8]] = []) -> Dcl_Fleet_V1_ResultHeader {
    var header = Dcl_Fleet_V1_ResultHeader()
    header.taskID = taskID
    header.device = UInt32(device)
    header.spec = Data(spec)
    header.blobs = blobs.map { b in
        var ref = Dcl_Fleet_V1_BlobRef()
        ref.sha256 = Data(BlobRef(of: b).sha256)
        ref.size = UInt64(b.count)
        return ref
    }
    return header
}

/// Waits (polling, bounded) until `condition` holds.
func eventually(timeout: Duration = .seconds(60), _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}

/// Starts a host for `devices` (the echo handler), runs one round over them and expects every
/// item answered: the service still works after whatever a test did to it.
func expectARoundCompletes(on service: FleetService, devices: Range<Int>) async throws {
    let host = try RunningHost(port: service.port, devices: devices, handler: echo)
    try await service.devicesJoined(devices, timeout: .seconds(60))
    let items = devices.map { WorkItem(device: $0, kind: "k", spec: [UInt8($0 % 256)]) }
    let report = try await service.round(items, policy: RoundPolicy(timeout: .seconds(60)))
    #expect(report.results.allSatisfy { if case .success = $0 { true } else { false } })
    await host.stop()
}
