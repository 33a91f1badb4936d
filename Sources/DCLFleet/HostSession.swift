// One connection's worth of a device host's work (FleetDeviceHost reconnects by starting a new
// one): join, then poll → lease → fetch → run → push until the run is finished.

import DCLFleetProto
import Foundation
import GRPCCore
import SwiftProtobuf
import Synchronization

/// The devices of a host running a task now, and a signal when one stops.
final class BusyDevices: Sendable {
    private let members = Mutex<Set<Int>>([])
    let freed = ChangeSignal()

    var count: Int { members.withLock { $0.count } }
    var devices: Set<Int> { members.withLock { $0 } }
    func insert(_ device: Int) { members.withLock { _ = $0.insert(device) } }
    func remove(_ device: Int) {
        members.withLock { _ = $0.remove(device) }
        freed.bump()
    }
}

struct HostSession<Transport: ClientTransport>: Sendable {
    let host: FleetDeviceHost
    let client: Dcl_Fleet_V1_Fleet.Client<Transport>

    private var counter: TrafficCounter { host.traffic }
    private var limits: FleetLimits { host.configuration.limits }

    /// Fail fast when the service is down (the host's own backoff decides when to try again).
    private func options(timeout: Duration? = nil) -> CallOptions {
        var options = CallOptions.defaults
        options.waitForReady = false
        options.timeout = timeout
        return options
    }

    private static func bearer(_ token: String) -> Metadata { ["authorization": "Bearer \(token)"] }

    func run(joined: @Sendable () -> Void) async throws {
        let session = try await join()
        joined()
        let k = host.configuration.concurrency
        let waitMs = UInt32(clamping: host.configuration.pollWait.components.seconds * 1000
                                + host.configuration.pollWait.components.attoseconds / 1_000_000_000_000_000)
        let busy = BusyDevices()
        // Discarding: a device's error (the connection broke) ends the session at once, and
        // finished devices leave nothing behind in the group.
        try await withThrowingDiscardingTaskGroup { group in
            var lastPoll = ContinuousClock.now
            while !host.isLeaving {
                let seen = busy.freed.generation
                if busy.count >= k {
                    await busy.freed.wait(seen: seen, timeout: .seconds(1))
                    try Task.checkCancellation()
                    // Every slot busy with long tasks: a poll that waits for nothing tells the
                    // service this host is alive (it reports hosts it has not heard from).
                    if busy.count >= k && ContinuousClock.now - lastPoll >= host.configuration.pollWait {
                        guard let response = try await pollUnlessLeaving(session: session, waitMs: 0) else { break }
                        lastPoll = ContinuousClock.now
                        if response.finished { break }
                    }
                    continue
                }
                // The long-poll, cut short when the host is asked to leave.
                guard let response = try await pollUnlessLeaving(session: session, waitMs: waitMs) else { break }
                lastPoll = ContinuousClock.now
                if response.finished { break }
                let running = busy.devices
                let ready = response.readyDevices.map { Int($0) }.filter { host.configuration.devices.contains($0) && !running.contains($0) }
                if ready.isEmpty {
                    // Devices the service calls ready that are already running here: their lease
                    // is on its way; look again shortly rather than spin.
                    if !response.readyDevices.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
                    continue
                }
                for device in ready.prefix(k - running.count) {
                    busy.insert(device)
                    group.addTask {
                        defer { busy.remove(device) }
                        try await self.serve(device)
                    }
                }
            }
            // The run is over, or the host leaves: devices still running finish their push as
            // the group ends.
        }
        if host.isLeaving { await sayLeaving(session: session) }
    }

    private func pollUnlessLeaving(session: String, waitMs: UInt32) async throws -> Dcl_Fleet_V1_PollResponse? {
        try await withThrowingTaskGroup(of: Dcl_Fleet_V1_PollResponse?.self) { group in
            group.addTask {
                var request = Dcl_Fleet_V1_PollRequest()
                request.waitMs = waitMs
                return try await client.poll(request: ClientRequest(message: request, metadata: Self.bearer(session)),
                                             serializer: CountingSerializer(counter: counter), deserializer: CountingDeserializer(counter: counter),
                                             options: options(timeout: host.configuration.pollWait + .seconds(10))) { try $0.message }
            }
            group.addTask {
                await host.untilLeaving()
                return nil
            }
            defer { group.cancelAll() }
            let first = try await group.next() ?? nil
            return host.isLeaving ? nil : first
        }
    }

    /// Tells the service this host leaves, so that it stops waiting for its devices at once.
    private func sayLeaving(session: String) async {
        var metadata = Self.bearer(session)
        metadata.addString("1", forKey: FleetRPC.leavingHeader)
        _ = try? await client.poll(request: ClientRequest(message: Dcl_Fleet_V1_PollRequest(), metadata: metadata),
                                   serializer: CountingSerializer(counter: counter), deserializer: CountingDeserializer(counter: counter),
                                   options: options(timeout: .seconds(5))) { try $0.message }
    }

    private func join() async throws -> String {
        var request = Dcl_Fleet_V1_JoinRequest()
        request.firstDevice = UInt32(host.configuration.devices.lowerBound)
        request.endDevice = UInt32(host.configuration.devices.upperBound)
        for (device, token) in host.deviceTokens { request.deviceTokens[UInt32(device)] = token }
        let response = try await client.join(request: ClientRequest(message: request, metadata: Self.bearer(host.configuration.joinToken)),
                                             serializer: CountingSerializer(counter: counter), deserializer: CountingDeserializer(counter: counter),
                                             options: options(timeout: .seconds(30))) { try $0.message }
        var tokens: [Int: String] = [:]
        for (device, token) in response.deviceTokens where host.configuration.devices.contains(Int(device)) {
            tokens[Int(device)] = token
        }
        guard tokens.count == host.configuration.devices.count else {
            throw FleetError.host("the service returned \(tokens.count) device tokens for \(host.configuration.devices.count) devices")
        }
        host.remember(tokens)
        return response.sessionToken
    }

    /// Runs the device's next task. One task per turn: a device with more is ready again at the
    /// next poll, which costs nothing extra, where leasing again until nothing is left cost every
    /// device a second, empty lease (an RPC and a store transaction) per round.
    private func serve(_ device: Int) async throws {
        guard let token = host.token(device) else { throw FleetError.host("no token for device \(device)") }
        let leased = ContinuousClock.now
        var request = Dcl_Fleet_V1_LeaseRequest()
        request.device = UInt32(device)
        let response = try await client.lease(request: ClientRequest(message: request, metadata: Self.bearer(token)),
                                              serializer: CountingSerializer(counter: counter), deserializer: CountingDeserializer(counter: counter),
                                              options: options(timeout: .seconds(30))) { try $0.message }
        guard response.hasTask else { return }
        let task = response.task
        let outcome: Result<WorkOutcome, any Error>
        do {
            let item = try await workItem(task, device: device, token: token)
            outcome = await host.runHandler(item)
        } catch let error as RPCError where error.code == .dataLoss || error.code == .invalidArgument {
            // The task or an object failed its checks here: the device cannot run it, and
            // says why instead of going silent.
            outcome = .failure(FleetError.host("task \(task.taskID): \(error.message)"))
        }
        try await push(task.taskID, device: device, token: token, outcome)
        host.taskFinished?(task.kind, ContinuousClock.now - leased)
    }

    private func workItem(_ task: Dcl_Fleet_V1_Task, device: Int, token: String) async throws -> WorkItem {
        guard Int(task.device) == device else {
            throw RPCError(code: .invalidArgument, message: "leased a task of device \(task.device) for device \(device)")
        }
        guard task.kind.utf8.count <= limits.maxKindBytes, task.spec.count <= limits.maxSpecBytes,
              task.blobs.count <= limits.maxBlobsPerMessage else {
            throw RPCError(code: .invalidArgument, message: "a task over the limits (kind, spec or blob count)")
        }
        let refs = try checkedRefs(task.blobs, limits: limits, what: "task")
        var blobs: [[UInt8]] = []
        blobs.reserveCapacity(refs.count)
        for ref in refs {
            blobs.append(try await host.cache.object(ref) { try await self.fetch(ref, device: device, token: token) })
        }
        return WorkItem(device: device, kind: task.kind, spec: [UInt8](task.spec), blobs: blobs)
    }

    private func fetch(_ ref: BlobRef, device: Int, token: String) async throws -> [UInt8] {
        var request = Dcl_Fleet_V1_FetchBlobRequest()
        request.device = UInt32(device)
        request.sha256 = Data(ref.sha256)
        return try await client.fetchBlob(request: ClientRequest(message: request, metadata: Self.bearer(token)),
                                          serializer: CountingSerializer(counter: counter), deserializer: CountingDeserializer(counter: counter),
                                          options: options()) { response in
            var receiver = try BlobReceiver(refs: [ref])
            for try await chunk in response.messages { try receiver.take(chunk.data) }
            return try receiver.finish()[0]
        }
    }

    private func push(_ taskID: UInt64, device: Int, token: String, _ outcome: Result<WorkOutcome, any Error>) async throws {
        var header = Dcl_Fleet_V1_ResultHeader()
        header.taskID = taskID
        header.device = UInt32(device)
        var blobs: [[UInt8]] = []
        switch outcome {
        case .success(let value):
            if let problem = oversized(value) {
                header.failed = true
                header.errorMessage = problem
            } else {
                header.spec = Data(value.spec)
                blobs = value.blobs
                header.blobs = value.blobs.map { bytes in
                    var ref = Dcl_Fleet_V1_BlobRef()
                    ref.sha256 = Data(Digest.sha256(bytes))
                    ref.size = UInt64(bytes.count)
                    return ref
                }
            }
        case .failure(let error):
            header.failed = true
            header.errorMessage = String(describing: error)
        }
        let chunkBytes = limits.chunkBytes
        let request = StreamingClientRequest(of: Dcl_Fleet_V1_PushMessage.self, metadata: Self.bearer(token)) { [header, blobs] writer in
            var first = Dcl_Fleet_V1_PushMessage()
            first.header = header
            try await writer.write(first)
            for blob in blobs {
                var offset = 0
                while offset < blob.count {
                    let end = min(offset + chunkBytes, blob.count)
                    var message = Dcl_Fleet_V1_PushMessage()
                    message.chunk = Data(blob[offset..<end])
                    try await writer.write(message)
                    offset = end
                }
            }
        }
        do {
            _ = try await client.pushResult(request: request, serializer: CountingSerializer(counter: counter),
                                            deserializer: CountingDeserializer(counter: counter), options: options()) { try $0.message }
        } catch let error as RPCError where error.code == .failedPrecondition || error.code == .notFound {
            // The round closed (or the service forgot the task) first: nothing waits for this
            // result any more, and the device goes on with its next task.
            return
        }
    }

    /// Why an outcome cannot be sent, if it is over the limits.
    private func oversized(_ outcome: WorkOutcome) -> String? {
        if outcome.spec.count > limits.maxSpecBytes { return "outcome spec of \(outcome.spec.count) bytes (limit \(limits.maxSpecBytes))" }
        if outcome.blobs.count > limits.maxBlobsPerMessage { return "\(outcome.blobs.count) outcome blobs (limit \(limits.maxBlobsPerMessage))" }
        var total = 0
        for blob in outcome.blobs {
            if blob.count > limits.maxBlobBytes { return "an outcome blob of \(blob.count) bytes (limit \(limits.maxBlobBytes))" }
            total += blob.count
            if total > limits.maxOutcomeBytes { return "outcome blobs over \(limits.maxOutcomeBytes) bytes in all" }
        }
        return nil
    }
}
