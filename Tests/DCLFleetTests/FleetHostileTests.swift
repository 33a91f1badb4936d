// Hostile peers: results whose bytes do not match what they declare, and a bounded stream of
// malformed and mutated protobuf messages on every method. Each gets a gRPC error status; none
// crashes the service, which completes a normal round afterwards.

import DCLFleetProto
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing
@testable import DCLFleet

/// Sends bytes as they are: the message is already "serialized".
struct RawSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}

struct RawDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] { bytes.withUnsafeBytes { Array($0) } }
}

@Suite(.timeLimit(.minutes(3))) struct FleetHostileTests {
    @Test func resultsThatLieAboutTheirBytesAreRefused() async throws {
        let service = try await startService()
        try await withRawClient(service.port) { client, _ in
            let token = try await client.join(0..<1).sessionToken
            let round = Task { try await service.round([WorkItem(device: 0, kind: "k")], policy: RoundPolicy(timeout: .seconds(60))) }
            let id = try #require(try await client.leaseTasks(session: token).first).taskID
            let blob: [UInt8] = Array(0..<200)

            // Bytes that do not match the declared SHA-256.
            var tampered = blob
            tampered[17] ^= 1
            #expect(await rpcCode { _ = try await client.push(resultHeader(task: id, device: 0, blobs: [blob]), chunks: [tampered], session: token) } == .dataLoss)
            // Fewer bytes than declared, more bytes than declared.
            #expect(await rpcCode { _ = try await client.push(resultHeader(task: id, device: 0, blobs: [blob]), chunks: [Array(blob.prefix(50))], session: token) } == .invalidArgument)
            #expect(await rpcCode { _ = try await client.push(resultHeader(task: id, device: 0, blobs: [blob]), chunks: [blob, [1]], session: token) } == .invalidArgument)
            // A hash of the wrong length; a size past the limit; too many blobs.
            var badHash = resultHeader(task: id, device: 0, blobs: [blob])
            badHash.blobs[0].sha256 = Data(repeating: 0, count: 33)
            #expect(await rpcCode { _ = try await client.push(badHash, chunks: [blob], session: token) } == .invalidArgument)
            var huge = resultHeader(task: id, device: 0, blobs: [blob])
            huge.blobs[0].size = UInt64.max
            #expect(await rpcCode { _ = try await client.push(huge, session: token) } == .invalidArgument)
            let many = resultHeader(task: id, device: 0, blobs: Array(repeating: [], count: 65))
            #expect(await rpcCode { _ = try await client.push(many, session: token) } == .invalidArgument)
            // A failure that also carries blobs.
            var mixed = resultHeader(task: id, device: 0, blobs: [blob])
            mixed.failed = true
            #expect(await rpcCode { _ = try await client.push(mixed, chunks: [blob], session: token) } == .invalidArgument)

            // A stream with no result at all.
            #expect(await rpcCode { _ = try await client.push([], session: token) } == .invalidArgument)
            // None of that was recorded; the true result is.
            let ack = try await client.push(resultHeader(task: id, device: 0, spec: [7], blobs: [blob, []]), chunks: [Array(blob[..<99]), Array(blob[99...])], session: token)
            #expect(ack.acks.map(\.outcome) == [.recorded] && ack.acks.map(\.taskID) == [id])
            let report = try await round.value
            #expect(report.results == [.success(WorkOutcome(spec: [7], blobs: [blob, []]))])
        }
        await service.stop()
    }

    static let fuzzedMessages = 10_000

    /// 10,000 mutated messages (bounded by 150 s); seeded per message, so a failure repeats.
    @Test func malformedAndMutatedMessagesGetStatusesAndTheServiceGoesOn() async throws {
        var limits = FleetLimits()
        limits.maxPollWait = .milliseconds(50)
        limits.maxDevicesPerHost = 64
        let service = try await startService(limits: limits)
        let counts = try await withRawClient(service.port) { client, raw -> [String: Int] in
            let joined = try await client.join(0..<2)
            let session = joined.sessionToken
            let token = try #require(joined.deviceTokens[0])

            var join = Dcl_Fleet_V1_JoinRequest()
            join.firstDevice = 10
            join.endDevice = 12
            join.deviceTokens = [10: token]
            var poll = Dcl_Fleet_V1_PollRequest()
            poll.waitMs = 10
            var lease = Dcl_Fleet_V1_PollRequest()
            lease.waitMs = 10
            lease.maxTasks = 4
            var fetch = Dcl_Fleet_V1_FetchBlobRequest()
            fetch.device = 0
            fetch.sha256 = Data(repeating: 0xab, count: 32)
            var header = Dcl_Fleet_V1_PushMessage()
            header.header = resultHeader(task: 1, device: 0, spec: [1, 2, 3], blobs: [[1, 2, 3, 4]])
            var chunk = Dcl_Fleet_V1_PushMessage()
            chunk.chunk = Data([1, 2, 3, 4])
            typealias M = Dcl_Fleet_V1_Fleet.Method
            let unary: [(MethodDescriptor, [UInt8], Metadata)] = [
                (M.Join.descriptor, try join.serializedBytes(), bearer(testJoinToken)),
                (M.Poll.descriptor, try poll.serializedBytes(), bearer(session)),
                (M.Poll.descriptor, try lease.serializedBytes(), bearer(session)),
                (M.Status.descriptor, [], bearer(testJoinToken)),
            ]
            let seeds: [[UInt8]] = [try header.serializedBytes(), try chunk.serializedBytes()]

            // Eight senders at once, each with its own seeded stream: message n always gets the
            // same mutation, whichever sender runs it.
            let senders = 8
            let deadline = ContinuousClock.now.advanced(by: .seconds(150))
            return try await withThrowingTaskGroup(of: [String: Int].self) { group in
                for sender in 0..<senders {
                    group.addTask {
                        var counts: [String: Int] = [:]
                        for n in stride(from: sender, to: Self.fuzzedMessages, by: senders) where ContinuousClock.now < deadline {
                            var rng = SplitMix64(seed: 2026 &+ UInt64(n))
                            let code: RPCError.Code?
                            switch n % 6 {
                            case 0...3:
                                let (descriptor, valid, metadata) = unary[n % 4]
                                let message = mutate(valid, &rng)
                                code = await rpcCode {
                                    _ = try await raw.unary(request: ClientRequest(message: message, metadata: metadata), descriptor: descriptor,
                                                            serializer: RawSerializer(), deserializer: RawDeserializer(), options: .defaults) { try $0.message }
                                }
                            case 4:
                                let message = mutate(try fetch.serializedBytes(), &rng)
                                code = await rpcCode {
                                    _ = try await raw.serverStreaming(request: ClientRequest(message: message, metadata: bearer(session)), descriptor: M.FetchBlob.descriptor,
                                                                      serializer: RawSerializer(), deserializer: RawDeserializer(), options: .defaults) { r in
                                        for try await _ in r.messages {}
                                    }
                                }
                            default:
                                let parts = (0..<Int(rng.next() % 4)).map { _ in mutate(seeds[Int(rng.next() % 2)], &rng) }
                                code = await rpcCode {
                                    let request = StreamingClientRequest(of: [UInt8].self, metadata: bearer(session)) { writer in
                                        for part in parts { try await writer.write(part) }
                                    }
                                    _ = try await raw.clientStreaming(request: request, descriptor: M.PushResults.descriptor, serializer: RawSerializer(),
                                                                      deserializer: RawDeserializer(), options: .defaults) { try $0.message }
                                }
                            }
                            counts[code.map { "\($0)" } ?? "ok", default: 0] += 1
                        }
                        return counts
                    }
                }
                var counts: [String: Int] = [:]
                for try await part in group { counts.merge(part, uniquingKeysWith: +) }
                return counts
            }
        }
        // Every message was answered, none by a failure inside the service.
        #expect(counts.values.reduce(0, +) == Self.fuzzedMessages, "the bound of 150 s cut the run short: \(counts)")
        #expect(counts["internal error"] == nil && counts["internalError"] == nil)
        #expect(counts["unknown"] == nil)
        #expect((counts["invalid argument"] ?? counts["invalidArgument"] ?? 0) > 0)

        // The service still runs a normal round.
        // Devices no mutated join is likely to have claimed (joins span at most 64 devices).
        try await expectARoundCompletes(on: service, devices: 1_000_000..<1_000_004)
        await service.stop()
    }
}

/// One random change to a valid message: flipped bytes, a cut, inserted bytes, a field with a
/// huge varint, or plain noise.
func mutate(_ valid: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
    var m = valid
    switch rng.next() % 6 {
    case 0:
        for _ in 0..<(1 + Int(rng.next() % 4)) where !m.isEmpty { m[Int(rng.next() % UInt64(m.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1) }
    case 1:
        m = Array(m.prefix(Int(rng.next() % UInt64(m.count + 1))))
    case 2:
        let at = Int(rng.next() % UInt64(m.count + 1))
        m.insert(contentsOf: (0..<(1 + Int(rng.next() % 8))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
    case 3:
        // Field 1..15 as a varint of ten 0xff bytes and a 0x01: the largest a varint can say.
        m += [UInt8((rng.next() % 15 + 1) << 3)] + Array(repeating: 0xff, count: 9) + [0x01]
    case 4:
        // A length-delimited field claiming far more bytes than follow.
        m += [UInt8((rng.next() % 15 + 1) << 3 | 2), 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]
    default:
        m = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }
    return m
}
