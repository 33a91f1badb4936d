// The service's side of the protocol (Proto/dcl/fleet/v1/fleet.proto). Each handler
// authenticates first, then validates every field from the wire before it touches the store, and
// answers a bad request with a gRPC status (never a crash): UNAUTHENTICATED for a missing or
// wrong token, PERMISSION_DENIED for another device's task or object, NOT_FOUND for an unknown
// task or object, INVALID_ARGUMENT for a malformed or oversized message, DATA_LOSS for bytes
// that do not match their SHA-256, FAILED_PRECONDITION for a result whose round already closed.

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
        router.registerHandler(forMethod: M.Lease.descriptor, deserializer: CountingDeserializer<M.Lease.Input>(counter: c),
                               serializer: CountingSerializer<M.Lease.Output>(counter: c)) { try await self.lease(request: $0, context: $1) }
        router.registerHandler(forMethod: M.FetchBlob.descriptor, deserializer: CountingDeserializer<M.FetchBlob.Input>(counter: c),
                               serializer: CountingSerializer<M.FetchBlob.Output>(counter: c)) { try await self.fetchBlob(request: $0, context: $1) }
        router.registerHandler(forMethod: M.PushResult.descriptor, deserializer: CountingDeserializer<M.PushResult.Input>(counter: c),
                               serializer: CountingSerializer<M.PushResult.Output>(counter: c)) { try await self.pushResult(request: $0, context: $1) }
        router.registerHandler(forMethod: M.Status.descriptor, deserializer: CountingDeserializer<M.Status.Input>(counter: c),
                               serializer: CountingSerializer<M.Status.Output>(counter: c)) { try await self.status(request: $0, context: $1) }
    }

    func join(request: ServerRequest<Dcl_Fleet_V1_JoinRequest>, context: ServerContext) async throws -> ServerResponse<Dcl_Fleet_V1_JoinResponse> {
        try core.requireJoinToken(request.metadata)
        let m = request.message
        guard m.deviceTokens.count <= core.limits.maxDevicesPerHost else {
            throw RPCError(code: .invalidArgument, message: "\(m.deviceTokens.count) device tokens in one join")
        }
        let (session, tokens) = try core.join(JoinRequestFields(first: m.firstDevice, end: m.endDevice, presented: m.deviceTokens))
        var response = Dcl_Fleet_V1_JoinResponse()
        response.sessionToken = session
        response.runID = UInt64(core.run)
        for (device, token) in tokens { response.deviceTokens[UInt32(device)] = token }
        return ServerResponse(message: response)
    }

    /// Long-poll: answers as soon as one of the session's devices has a task it may lease, the run
    /// is over, or the wait ends (so an idle host costs one request per wait, not a stream of
    /// them).
    func poll(request: ServerRequest<Dcl_Fleet_V1_PollRequest>, context: ServerContext) async throws -> ServerResponse<Dcl_Fleet_V1_PollResponse> {
        let (key, session) = try core.requireSession(request.metadata)
        var response = Dcl_Fleet_V1_PollResponse()
        if request.metadata[stringValues: FleetRPC.leavingHeader].contains(where: { _ in true }) {
            core.leave(sessionKey: key, session)
            return ServerResponse(message: response)
        }
        let wait = min(Duration.milliseconds(Int64(request.message.waitMs)), core.limits.maxPollWait)
        let deadline = ContinuousClock.now.advanced(by: wait)
        while true {
            core.touch(sessionKey: key, session)
            let seen = core.signal.generation
            if core.finished {
                response.finished = true
                core.toldFinished(sessionKey: key)
                break
            }
            // Draining: nothing more is handed out, so no device is ready.
            let ready = core.draining ? []
                : try core.rpcStore { try core.store.readyDevices(run: core.run, first: session.first, end: session.end) }
            if !ready.isEmpty {
                response.readyDevices = ready.map { UInt32($0) }
                break
            }
            let now = ContinuousClock.now
            if now >= deadline || core.closing || Task.isCancelled || !core.sessionActive(key) { break }
            await core.signal.wait(seen: seen, timeout: now.duration(to: deadline))
        }
        return ServerResponse(message: response)
    }

    func lease(request: ServerRequest<Dcl_Fleet_V1_LeaseRequest>, context: ServerContext) async throws -> ServerResponse<Dcl_Fleet_V1_LeaseResponse> {
        let device = try core.requireDevice(request.metadata, device: request.message.device)
        var response = Dcl_Fleet_V1_LeaseResponse()
        // A lease lasts until the round's deadline: the round drops the task then if no result
        // came (docs/deploy.md, "Leases").
        guard let round = core.round, round.open, !core.draining else { return ServerResponse(message: response) }
        if let task = try core.rpcStore({ try core.store.leaseNext(run: core.run, device: device, leaseUntil: round.deadline) }) {
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
            response.task = t
        }
        return ServerResponse(message: response)
    }

    func fetchBlob(request: ServerRequest<Dcl_Fleet_V1_FetchBlobRequest>, context: ServerContext) async throws -> StreamingServerResponse<Dcl_Fleet_V1_BlobChunk> {
        let device = try core.requireDevice(request.metadata, device: request.message.device)
        let hash = [UInt8](request.message.sha256)
        guard hash.count == Digest.hashBytes else {
            throw RPCError(code: .invalidArgument, message: "an object hash has 32 bytes, not \(hash.count)")
        }
        guard try core.rpcStore({ try core.store.objectSize(hash) }) != nil else {
            throw RPCError(code: .notFound, message: "no object \(Digest.hex(hash))")
        }
        guard try core.rpcStore({ try core.store.deviceHoldsLease(run: core.run, device: device, on: hash) }) else {
            throw RPCError(code: .permissionDenied, message: "no task leased to device \(device) refers to object \(Digest.hex(hash))")
        }
        guard let bytes = try core.rpcStore({ try core.store.object(hash) }) else {
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

    func pushResult(request: StreamingServerRequest<Dcl_Fleet_V1_PushMessage>, context: ServerContext) async throws -> ServerResponse<Dcl_Fleet_V1_PushResponse> {
        var iterator = request.messages.makeAsyncIterator()
        guard let first = try await iterator.next(), case .header(let header)? = first.part else {
            throw RPCError(code: .invalidArgument, message: "a result stream starts with its header")
        }
        let device = try core.requireDevice(request.metadata, device: header.device)
        let plan = try ResultPlan(header: header, limits: core.limits)
        guard let taskID = Int64(exactly: header.taskID), let task = try core.rpcStore({ try core.store.task(taskID) }), task.run == core.run else {
            throw RPCError(code: .notFound, message: "no task \(header.taskID) in this run")
        }
        guard task.device == device else {
            throw RPCError(code: .permissionDenied, message: "task \(header.taskID) belongs to device \(task.device), not \(device)")
        }
        var receiver = try BlobReceiver(plan: plan)
        while let message = try await iterator.next() {
            guard case .chunk(let data)? = message.part else {
                throw RPCError(code: .invalidArgument, message: "a result stream has one header, then chunks")
            }
            try receiver.take(data)
        }
        let blobs = try receiver.finish()
        let now = FleetCore.now()
        for (ref, bytes) in zip(plan.refs, blobs) {
            try core.rpcStore { try core.store.putObject(ref, bytes: bytes) }
        }
        let result = StoredResult(spec: [UInt8](header.spec), blobs: plan.refs, failure: plan.failure)
        let outcome = try core.rpcStore { try core.store.recordResult(task: taskID, device: device, result: result, now: now) }
        var response = Dcl_Fleet_V1_PushResponse()
        switch outcome {
        case .recorded:
            response.recorded = true
            core.signal.bump()
        case .duplicate:
            response.recorded = false
        case .unknownTask:
            throw RPCError(code: .notFound, message: "no task \(header.taskID) in this run")
        case .wrongDevice(let owner):
            throw RPCError(code: .permissionDenied, message: "task \(header.taskID) belongs to device \(owner), not \(device)")
        case .dropped:
            throw RPCError(code: .failedPrecondition, message: "task \(header.taskID) was dropped when its round closed; the result came too late")
        }
        return ServerResponse(message: response)
    }

    func status(request: ServerRequest<Dcl_Fleet_V1_StatusRequest>, context: ServerContext) async throws -> ServerResponse<Dcl_Fleet_V1_StatusResponse> {
        try core.requireJoinToken(request.metadata)
        let counts = try core.rpcStore { try core.store.counts(run: core.run, seenSince: FleetCore.now() - FleetCore.connectedWindow) }
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
