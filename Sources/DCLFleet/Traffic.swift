// Bytes on the wire, counted where messages are (de)serialized: the service's and each host's
// codecs add every message's serialized size to a counter, so the figures come from the traffic
// itself, not from an estimate of it. Not counted: gRPC's 5-byte length prefix per message and
// HTTP/2 frames and headers.

import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import Synchronization

/// Message bytes received (`up` for the service: device → cloud) and sent (`down`).
public final class TrafficCounter: Sendable {
    private let received = Atomic<UInt64>(0)
    private let sent = Atomic<UInt64>(0)

    public init() {}

    func addReceived(_ n: Int) { received.wrappingAdd(UInt64(n), ordering: .relaxed) }
    func addSent(_ n: Int) { sent.wrappingAdd(UInt64(n), ordering: .relaxed) }

    public var bytesReceived: UInt64 { received.load(ordering: .relaxed) }
    public var bytesSent: UInt64 { sent.load(ordering: .relaxed) }
}

/// The protobuf serializer, counting what it produces as sent.
struct CountingSerializer<Message: SwiftProtobuf.Message>: MessageSerializer {
    let counter: TrafficCounter

    func serialize<Bytes: GRPCContiguousBytes>(_ message: Message) throws -> Bytes {
        let bytes: Bytes = try ProtobufSerializer<Message>().serialize(message)
        counter.addSent(bytes.count)
        return bytes
    }
}

/// The protobuf deserializer, counting what it is given as received (whether or not it parses:
/// a malformed message crossed the wire all the same).
struct CountingDeserializer<Message: SwiftProtobuf.Message>: MessageDeserializer {
    let counter: TrafficCounter

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Message {
        counter.addReceived(serializedMessageBytes.count)
        return try ProtobufDeserializer<Message>().deserialize(serializedMessageBytes)
    }
}
