// One connection's worth of a device host's work (FleetDeviceHost reconnects by starting a new
// one): join, then poll (which leases tasks) → fetch → run → push until the run is finished.
//
// Work moves in batches both ways: a poll asks for as many tasks as the host has free slots, and
// finished tasks queue in an outbox that one pusher empties into a single PushResults stream at
// a time. Under light load a result goes up alone as soon as it is ready; under heavy load the
// results that finished while a push was in flight go up together in the next one.

import DCLFleetProto
import Foundation
import GRPCCore
import SwiftProtobuf
import Synchronization

/// The host's slots: tasks leased and not yet acknowledged by the service. A slot frees when the
/// push carrying its result is answered, so a host never holds more than `concurrency` tasks'
/// outcomes.
final class Slots: Sendable {
    private let held = Mutex(0)
    let freed = ChangeSignal()

    var count: Int { held.withLock { $0 } }
    func take() { held.withLock { $0 += 1 } }
    func release(_ n: Int) {
        held.withLock { $0 -= n }
        freed.bump()
    }
}

/// A task whose handler has run, waiting to be pushed.
struct FinishedTask: Sendable {
    var task: Dcl_Fleet_V1_Task
    var outcome: Result<WorkOutcome, any Error>
    /// When the service found the task for this host (the poll's start plus its idle wait).
    var pulled: ContinuousClock.Instant
}

/// Finished tasks in the order they finished; `close` says no more will come.
final class Outbox: Sendable {
    private struct State {
        var waiting: [FinishedTask] = []
        var closed = false
    }
    private let state = Mutex(State())
    let changed = ChangeSignal()

    func put(_ finished: FinishedTask) {
        state.withLock { $0.waiting.append(finished) }
        changed.bump()
    }

    func close() {
        state.withLock { $0.closed = true }
        changed.bump()
    }

    /// Up to `max` waiting tasks, oldest first, and whether the outbox is closed.
    func take(max: Int) -> (tasks: [FinishedTask], closed: Bool) {
        state.withLock { s in
            let n = min(max, s.waiting.count)
            let taken = Array(s.waiting.prefix(n))
            s.waiting.removeFirst(n)
            return (taken, s.closed)
        }
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
        let slots = Slots()
        let outbox = Outbox()
        // Discarding: an error in either child (the connection broke) cancels the other and ends
        // the session at once.
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                defer { outbox.close() }
                try await pollAndRun(session: session, slots: slots, outbox: outbox)
            }
            group.addTask { try await pushAll(session: session, slots: slots, outbox: outbox) }
        }
        if host.isLeaving { await sayLeaving(session: session) }
    }

    /// Polls for as many tasks as there are free slots and runs each on the host's threads,
    /// until the run is over or the host leaves; returns once every task it started has finished
    /// (its result is in the outbox).
    private func pollAndRun(session: String, slots: Slots, outbox: Outbox) async throws {
        let k = host.configuration.concurrency
        let waitMs = UInt32(clamping: host.configuration.pollWait.components.seconds * 1000
                                + host.configuration.pollWait.components.attoseconds / 1_000_000_000_000_000)
        try await withThrowingDiscardingTaskGroup { handlers in
            var lastPoll = ContinuousClock.now
            while !host.isLeaving {
                let seen = slots.freed.generation
                let free = k - slots.count
                if free <= 0 {
                    await slots.freed.wait(seen: seen, timeout: .seconds(1))
                    try Task.checkCancellation()
                    // Every slot busy with long tasks: a poll that asks for nothing tells the
                    // service this host is alive (it reports hosts it has not heard from).
                    if slots.count >= k && ContinuousClock.now - lastPoll >= host.configuration.pollWait {
                        guard let answer = try await pollUnlessLeaving(session: session, waitMs: 0, maxTasks: 0) else { break }
                        lastPoll = ContinuousClock.now
                        if answer.response.finished { break }
                    }
                    continue
                }
                // The long-poll, cut short when the host is asked to leave.
                guard let answer = try await pollUnlessLeaving(session: session, waitMs: waitMs, maxTasks: UInt32(free)) else { break }
                lastPoll = ContinuousClock.now
                if answer.response.finished { break }
                let pulled = answer.sent.advanced(by: .microseconds(Int64(clamping: answer.response.waitedMicros)))
                // The answer is untrusted like any other: no more tasks run than were asked for,
                // and a task for a device this host does not serve cannot be answered from here.
                // The service hands out neither; such tasks are left to their round's deadline.
                for task in answer.response.tasks.prefix(free) where host.configuration.devices.contains(Int(task.device)) {
                    slots.take()
                    handlers.addTask {
                        let outcome = try await self.run(task, session: session)
                        outbox.put(FinishedTask(task: task, outcome: outcome, pulled: pulled))
                    }
                }
            }
            // The run is over, or the host leaves: tasks still running finish as the group ends,
            // and the pusher sends their results.
        }
    }

    /// Fetches what a task needs and runs the handler.
    /// Other errors (the connection broke while fetching) end the session: the task is leased
    /// again after the host rejoins.
    private func run(_ task: Dcl_Fleet_V1_Task, session: String) async throws -> Result<WorkOutcome, any Error> {
        do {
            let item = try await workItem(task, session: session)
            return await host.runHandler(item)
        } catch let error as RPCError where error.code == .dataLoss || error.code == .invalidArgument {
            // The task or an object failed its checks here: the device cannot run it, and says
            // why instead of going silent.
            return .failure(FleetError.host("task \(task.taskID): \(error.message)"))
        }
    }

    /// Empties the outbox into PushResults streams, one at a time, until it is closed and empty.
    private func pushAll(session: String, slots: Slots, outbox: Outbox) async throws {
        while true {
            let seen = outbox.changed.generation
            let (batch, closed) = outbox.take(max: limits.maxResultsPerPush)
            if batch.isEmpty {
                if closed { return }
                await outbox.changed.wait(seen: seen, timeout: .seconds(1))
                try Task.checkCancellation()
                continue
            }
            try await push(batch, session: session)
            let answered = ContinuousClock.now
            slots.release(batch.count)
            for finished in batch { host.taskFinished?(finished.task.kind, answered - finished.pulled) }
        }
    }

    /// A poll's answer and when the poll was sent.
    private struct PollAnswer {
        var response: Dcl_Fleet_V1_PollResponse
        var sent: ContinuousClock.Instant
    }

    private func pollUnlessLeaving(session: String, waitMs: UInt32, maxTasks: UInt32) async throws -> PollAnswer? {
        try await withThrowingTaskGroup(of: PollAnswer?.self) { group in
            group.addTask {
                var request = Dcl_Fleet_V1_PollRequest()
                request.waitMs = waitMs
                request.maxTasks = maxTasks
                let sent = ContinuousClock.now
                let response = try await client.poll(request: ClientRequest(message: request, metadata: Self.bearer(session)),
                                                     serializer: CountingSerializer(counter: counter), deserializer: CountingDeserializer(counter: counter),
                                                     options: options(timeout: host.configuration.pollWait + .seconds(10))) { try $0.message }
                return PollAnswer(response: response, sent: sent)
            }
            group.addTask {
                await host.untilLeaving()
                return nil
            }
            defer { group.cancelAll() }
            let first = try await group.next() ?? nil
            // Tasks leased in an answer that arrives as the host leaves are not run: they go back
            // to pending when a host joins for these devices again, or drop at their deadline.
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

    private func workItem(_ task: Dcl_Fleet_V1_Task, session: String) async throws -> WorkItem {
        guard task.kind.utf8.count <= limits.maxKindBytes, task.spec.count <= limits.maxSpecBytes,
              task.blobs.count <= limits.maxBlobsPerMessage else {
            throw RPCError(code: .invalidArgument, message: "a task over the limits (kind, spec or blob count)")
        }
        let device = Int(task.device)
        let refs = try checkedRefs(task.blobs, limits: limits, what: "task")
        var blobs: [[UInt8]] = []
        blobs.reserveCapacity(refs.count)
        for ref in refs {
            blobs.append(try await host.cache.object(ref) { try await self.fetch(ref, device: device, session: session) })
        }
        return WorkItem(device: device, kind: task.kind, spec: [UInt8](task.spec), blobs: blobs)
    }

    private func fetch(_ ref: BlobRef, device: Int, session: String) async throws -> [UInt8] {
        var request = Dcl_Fleet_V1_FetchBlobRequest()
        request.device = UInt32(device)
        request.sha256 = Data(ref.sha256)
        return try await client.fetchBlob(request: ClientRequest(message: request, metadata: Self.bearer(session)),
                                          serializer: CountingSerializer(counter: counter), deserializer: CountingDeserializer(counter: counter),
                                          options: options()) { response in
            var receiver = try BlobReceiver(refs: [ref])
            for try await chunk in response.messages { try receiver.take(chunk.data) }
            return try receiver.finish()[0]
        }
    }

    /// A result's header and the blobs whose bytes follow it.
    private func resultHeader(_ finished: FinishedTask) -> (Dcl_Fleet_V1_ResultHeader, [[UInt8]]) {
        var header = Dcl_Fleet_V1_ResultHeader()
        header.taskID = finished.task.taskID
        header.device = finished.task.device
        var blobs: [[UInt8]] = []
        switch finished.outcome {
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
        return (header, blobs)
    }

    /// Pushes the results in one stream. A result whose round closed first is acknowledged as too
    /// late: nothing waits for it any more.
    private func push(_ batch: [FinishedTask], session: String) async throws {
        let chunkBytes = limits.chunkBytes
        let parts = batch.map(resultHeader)
        let request = StreamingClientRequest(of: Dcl_Fleet_V1_PushMessage.self, metadata: Self.bearer(session)) { writer in
            for (header, blobs) in parts {
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
        }
        do {
            _ = try await client.pushResults(request: request, serializer: CountingSerializer(counter: counter),
                                             deserializer: CountingDeserializer(counter: counter), options: options()) { try $0.message }
        } catch let error as RPCError where error.code == .notFound {
            // The service no longer knows these tasks (it started a new run): nothing waits for
            // the results.
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
