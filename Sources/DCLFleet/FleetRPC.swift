// The service's side of the protocol (Proto/dcl/fleet/v1/fleet.proto). Each handler
// authenticates first, then validates every field from the wire before it touches the store, and
// answers a bad request with a gRPC status (never a crash): UNAUTHENTICATED for a missing or
// wrong token, PERMISSION_DENIED for another session's device, task or object, NOT_FOUND for an unknown
// task or object, INVALID_ARGUMENT for a malformed or oversized message, DATA_LOSS for bytes
// that do not match their SHA-256. A result whose round already closed is not an error: its
// acknowledgement says TOO_LATE, and the stream's other results still count.

import DCLFleetProto
import Foundation
import GRPCCore
import SwiftProtobuf

struct FleetRPC: Dcl_Fleet_V1_Fleet.ServiceProtocol {
    let core: FleetCore
    /// A Poll carrying this metadata key says the host leaves (it was stopped): the service ends
    /// its session and stops waiting for its devices (docs/deploy.md, "Stopping").
    static let leavingHeader = "dcl-leaving"

    /// Registers every method with counting codecs (Traffic.swift) instead of the generated
    /// default, so the service's byte counters see each message as it crosses the wire.
    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let c = core.traffic
        typealias M = Dcl_Fleet_V1_Fleet.Method
        router.registerHandler(forMethod: M.Join.descriptor, deserializer: CountingDeserializer<M.Join.Input>(counter: c),
                               serializer: CountingSerializer<M.Join.Output>(counter: c)) { try await self.join(request: $0, context: $1) }
        router.registerHandler(forMethod: M.Poll.descriptor, deserializer: CountingDeserializer<M.Poll.Input>(counter: c),
                               serializer: CountingSerializer<M.Poll.Output>(counter: c)) { try await self.poll(request: $0, context: $1) }
        router.registerHandler(forMethod: M.FetchBlob.descriptor, deserializer: CountingDeserializer<M.FetchBlob.Input>(counter: c),
                               serializer: CountingSerializer<M.FetchBlob.Output>(counter: c)) { try await self.fetchBlob(request: $0, context: $1) }
        router.registerHandler(forMethod: M.PushResults.descriptor, deserializer: CountingDeserializer<M.PushResults.Input>(counter: c),
                               serializer: CountingSerializer<M.PushResults.Output>(counter: c)) { try await self.pushResults(request: $0, context: $1) }
        router.registerHandler(forMethod: M.Status.descriptor, deserializer: CountingDeserializer<M.Status.Input>(counter: c),
                               serializer: CountingSerializer<M.Status.Output>(counter: c)) { try await self.status(request: $0, context: $1) }
    }

    func join(request: ServerRequest<Dcl_Fleet_V1_JoinRequest>, context: ServerContext) async throws -> ServerResponse<Dcl_Fleet_V1_JoinResponse> {
        try core.requireJoinToken(request.metadata)
        let m = request.message
        guard m.deviceTokens.count <= core.limits.maxDevicesPerHost else {
            throw RPCError(code: .invalidArgument, message: "\(m.deviceTokens.count) device tokens in one join")
        }
        let (session, tokens) = try await core.join(JoinRequestFields(first: m.firstDevice, end: m.endDevice, presented: m.deviceTokens))
        var response = Dcl_Fleet_V1_JoinResponse()
        response.sessionToken = session
        response.runID = UInt64(core.run)
        for (device, token) in tokens { response.deviceTokens[UInt32(device)] = token }
        return ServerResponse(message: response)
    }

    /// Long-poll: answers as soon as some of the session's devices have tasks (leased to them in
    /// the answer), the run is over, or the wait ends (so an idle host costs one request per
    /// wait, not a stream of them).
    func poll(request: ServerRequest<Dcl_Fleet_V1_PollRequest>, context: ServerContext) async throws -> ServerResponse<Dcl_Fleet_V1_PollResponse> {
        let (key, session) = try core.requireSession(request.metadata)
        var response = Dcl_Fleet_V1_PollResponse()
        if request.metadata[stringValues: FleetRPC.leavingHeader].contains(where: { _ in true }) {
            await core.leave(sessionKey: key, session)
            return ServerResponse(message: response)
        }
        let maxTasks = min(Int(request.message.maxTasks), core.limits.maxTasksPerPoll)
        let wait = maxTasks == 0 ? .zero : min(Duration.milliseconds(Int64(request.message.waitMs)), core.limits.maxPollWait)
        let arrived = ContinuousClock.now
        let deadline = arrived.advanced(by: wait)
        // When the last look at the store began: the time before it was idle waiting, the time
        // after it (the lease, the answer) is work a host's latency figure must include.
        var lastLook = arrived
        while true {
            lastLook = ContinuousClock.now
            await core.touch(sessionKey: key, session)
            let seen = core.signal.generation
            if core.finished {
                response.finished = true
                core.toldFinished(sessionKey: key)
                break
            }
            if maxTasks > 0, let tasks = try await lease(session, max: maxTasks), !tasks.isEmpty {
                response.tasks = tasks
                break
            }
            let now = ContinuousClock.now
            if now >= deadline || core.closing || Task.isCancelled || !core.sessionActive(key) { break }
            await core.signal.wait(seen: seen, timeout: now.duration(to: deadline))
        }
        let waited = arrived.duration(to: lastLook).components
        response.waitedMicros = UInt64(max(0, waited.seconds * 1_000_000 + waited.attoseconds / 1_000_000_000_000))
        return ServerResponse(message: response)
    }

    /// Leases the next task of up to `max` of the session's ready devices (none while draining or
    /// between rounds). A lease lasts until the round's deadline: the round drops the task then if
    /// no result came (docs/deploy.md, "Leases").
    private func lease(_ session: JoinedSession, max: Int) async throws -> [Dcl_Fleet_V1_Task]? {
        guard let round = core.round, round.open, !core.draining else { return nil }
        let ready = try await core.rpcStore { try await core.store.readyDevices(run: core.run, first: session.first, end: session.end) }
        guard !ready.isEmpty else { return nil }
        let leased = try await core.rpcStore {
            try await core.store.leaseNext(run: core.run, devices: Array(ready.prefix(max)), leaseUntil: round.deadline,
                                     specBudget: core.limits.pollSpecBudget)
        }
        return leased.map { task in
            var t = Dcl_Fleet_V1_Task()
            t.taskID = UInt64(task.id)
            t.device = UInt32(task.device)
            t.kind = task.kind
            t.spec = Data(task.spec)
            t.round = UInt64(round.number)
            t.blobs = task.blobs.map { ref in
                var b = Dcl_Fleet_V1_BlobRef()
                b.sha256 = Data(ref.sha256)
                b.size = UInt64(ref.size)
                return b
            }
            return t
        }
    }

    /// Checks that `raw` names a device of the session.
    private func requireOwnDevice(_ raw: UInt32, of session: JoinedSession) throws -> Int {
        let device = Int(raw)
        guard device < core.limits.maxDeviceIndex else {
            throw RPCError(code: .invalidArgument, message: "device index \(device) is out of range (limit \(core.limits.maxDeviceIndex))")
        }
        guard (session.first..<session.end).contains(device) else {
            throw RPCError(code: .permissionDenied, message: "device \(device) is not one of this session's devices \(session.first)..<\(session.end)")
        }
        return device
    }

    func fetchBlob(request: ServerRequest<Dcl_Fleet_V1_FetchBlobRequest>, context: ServerContext) async throws -> StreamingServerResponse<Dcl_Fleet_V1_BlobChunk> {
        let (_, session) = try core.requireSession(request.metadata)
        let device = try requireOwnDevice(request.message.device, of: session)
        let hash = [UInt8](request.message.sha256)
        guard hash.count == Digest.hashBytes else {
            throw RPCError(code: .invalidArgument, message: "an object hash has 32 bytes, not \(hash.count)")
        }
        guard try await core.rpcStore({ try await core.store.objectSize(hash) }) != nil else {
            throw RPCError(code: .notFound, message: "no object \(Digest.hex(hash))")
        }
        guard try await core.rpcStore({ try await core.store.deviceHoldsLease(run: core.run, device: device, on: hash) }) else {
            throw RPCError(code: .permissionDenied, message: "no task leased to device \(device) refers to object \(Digest.hex(hash))")
        }
        guard let bytes = try await core.rpcStore({ try await core.store.object(hash) }) else {
            throw RPCError(code: .notFound, message: "no object \(Digest.hex(hash))")
        }
        let chunk = core.limits.chunkBytes
        return StreamingServerResponse { writer in
            var offset = 0
            repeat {
                let end = min(offset + chunk, bytes.count)
                var message = Dcl_Fleet_V1_BlobChunk()
                message.data = Data(bytes[offset..<end])
                try await writer.write(message)
                offset = end
            } while offset < bytes.count
            return [:]
        }
    }

    /// Reads results (a header, then its blobs' chunks; then the next header) and records them in
    /// batches: every `pushFlushBytes` of blobs and at the end of the stream. A violation (a task
    /// of another session's device, bytes that do not match) fails the stream; what was flushed
    /// before it stays recorded, which is safe because results are idempotent.
    func pushResults(request: StreamingServerRequest<Dcl_Fleet_V1_PushMessage>, context: ServerContext) async throws -> ServerResponse<Dcl_Fleet_V1_PushResponse> {
        let (_, session) = try core.requireSession(request.metadata)
        var acks: [Dcl_Fleet_V1_ResultAck] = []
        var batch: [ResultEntry] = []
        var batchBytes = 0
        var results = 0
        var open: (header: Dcl_Fleet_V1_ResultHeader, device: Int, plan: ResultPlan, receiver: BlobReceiver)?

        func close() throws {
            guard var current = open else { return }
            open = nil
            let blobs = try current.receiver.finish()
            batch.append(ResultEntry(task: Int64(current.header.taskID), device: current.device,
                                     result: StoredResult(spec: [UInt8](current.header.spec), blobs: current.plan.refs, failure: current.plan.failure),
                                     blobBytes: blobs))
            batchBytes += current.plan.refs.reduce(0) { $0 + $1.size }
        }
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let outcomes = try await core.rpcStore { try await core.store.recordResults(batch, now: FleetCore.now()) }
            var recorded = false
            // Recorded results wake the round even when a later one in the batch fails the stream.
            defer { if recorded { core.signal.bump() } }
            for (entry, outcome) in zip(batch, outcomes) {
                var ack = Dcl_Fleet_V1_ResultAck()
                ack.taskID = UInt64(entry.task)
                switch outcome {
                case .recorded:
                    ack.outcome = .recorded
                    recorded = true
                case .duplicate:
                    ack.outcome = .duplicate
                case .dropped:
                    ack.outcome = .tooLate
                case .unknownTask:
                    throw RPCError(code: .notFound, message: "no task \(entry.task) in this run")
                case .wrongDevice(let owner):
                    throw RPCError(code: .permissionDenied, message: "task \(entry.task) belongs to device \(owner), not \(entry.device)")
                }
                acks.append(ack)
            }
            batch = []
            batchBytes = 0
        }

        for try await message in request.messages {
            switch message.part {
            case .header(let header)?:
                try close()
                if batchBytes >= core.limits.pushFlushBytes { try await flush() }
                results += 1
                guard results <= core.limits.maxResultsPerPush else {
                    throw RPCError(code: .invalidArgument, message: "more than \(core.limits.maxResultsPerPush) results in one push")
                }
                let device = try requireOwnDevice(header.device, of: session)
                let plan = try ResultPlan(header: header, limits: core.limits)
                guard let taskID = Int64(exactly: header.taskID), let owner = try await core.rpcStore({ try await core.store.taskOwner(taskID) }), owner.run == core.run else {
                    throw RPCError(code: .notFound, message: "no task \(header.taskID) in this run")
                }
                guard owner.device == device else {
                    throw RPCError(code: .permissionDenied, message: "task \(header.taskID) belongs to device \(owner.device), not \(device)")
                }
                open = (header, device, plan, try BlobReceiver(plan: plan))
            case .chunk(let data)?:
                guard open != nil else {
                    throw RPCError(code: .invalidArgument, message: "a result stream starts with a header; chunks follow their header")
                }
                try open!.receiver.take(data)
            case nil:
                throw RPCError(code: .invalidArgument, message: "an empty message in a result stream")
            }
        }
        try close()
        try await flush()
        guard !acks.isEmpty else { throw RPCError(code: .invalidArgument, message: "a result stream with no result") }
        var response = Dcl_Fleet_V1_PushResponse()
        response.acks = acks
        return ServerResponse(message: response)
    }

    func status(request: ServerRequest<Dcl_Fleet_V1_StatusRequest>, context: ServerContext) async throws -> ServerResponse<Dcl_Fleet_V1_StatusResponse> {
        try core.requireJoinToken(request.metadata)
        let counts = try await core.rpcStore { try await core.store.counts(run: core.run, seenSince: FleetCore.now() - FleetCore.connectedWindow) }
        var r = Dcl_Fleet_V1_StatusResponse()
        r.runID = UInt64(core.run)
        r.devicesRegistered = UInt32(clamping: counts.devicesRegistered)
        r.devicesConnected = UInt32(clamping: counts.devicesSeenSince)
        if let round = core.round {
            r.currentRound = UInt64(round.number)
            r.roundOpen = round.open
        }
        r.tasksPending = UInt64(counts.tasks[.pending] ?? 0)
        r.tasksLeased = UInt64(counts.tasks[.leased] ?? 0)
        r.tasksDone = UInt64(counts.tasks[.done] ?? 0)
        r.tasksDropped = UInt64(counts.tasks[.dropped] ?? 0)
        r.bytesUp = core.traffic.bytesReceived
        r.bytesDown = core.traffic.bytesSent
        r.finished = core.finished
        return ServerResponse(message: r)
    }
}
