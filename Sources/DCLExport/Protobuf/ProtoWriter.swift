// A minimal protobuf wire-format encoder: the five things ONNX needs — varints, fixed32/64,
// length-delimited bytes and nested messages, and packed repeated scalars.
//
// Messages are written in two passes. A counting pass measures a message without copying a
// byte (a 400 MB `raw_data` costs one addition), then the writing pass appends into a buffer
// reserved to the exact size. A nested message is measured once by its parent, so the cost is
// proportional to the number of fields times the nesting depth, never to the payload.
//
// Determinism: a message's `encode(to:)` writes its fields in ascending field number, as the
// reference C++ and Python implementations do, so dcl's bytes equal `SerializeToString()` of
// the same model read back by the `onnx` package.

/// Protobuf wire types (the low three bits of a field tag).
enum WireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}

/// A value that serialises itself as a protobuf message.
protocol ProtoMessage {
    /// Writes every present field in ascending field-number order.
    func encode(to writer: inout ProtoWriter)
}

/// Appends protobuf fields to a byte buffer (or, in counting mode, only measures them).
struct ProtoWriter {
    /// The bytes written so far (empty in counting mode).
    private(set) var bytes: [UInt8] = []
    /// Number of bytes written or counted so far.
    private(set) var count = 0
    private let counting: Bool

    init(counting: Bool = false) { self.counting = counting }

    /// Encodes `message` into a buffer of exactly its size.
    static func encode(_ message: some ProtoMessage) -> [UInt8] {
        var writer = ProtoWriter()
        writer.bytes.reserveCapacity(size(of: message))
        message.encode(to: &writer)
        return writer.bytes
    }

    /// The encoded size of `message`, without encoding it.
    static func size(of message: some ProtoMessage) -> Int {
        var counter = ProtoWriter(counting: true)
        message.encode(to: &counter)
        return counter.count
    }

    /// Number of bytes the varint encoding of `value` takes (1…10).
    static func varintSize(_ value: UInt64) -> Int {
        var v = value, n = 1
        while v >= 0x80 { v >>= 7; n += 1 }
        return n
    }

    // MARK: Raw appends

    private mutating func append(_ byte: UInt8) {
        count += 1
        if !counting { bytes.append(byte) }
    }

    private mutating func append<C: Collection>(contentsOf data: C) where C.Element == UInt8 {
        count += data.count
        if !counting { bytes.append(contentsOf: data) }
    }

    /// Appends `value` as a base-128 varint, low groups first.
    mutating func writeVarint(_ value: UInt64) {
        if counting { count += Self.varintSize(value); return }
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
        count = bytes.count
    }

    mutating func writeTag(_ field: Int, _ wire: WireType) {
        writeVarint(UInt64(field) << 3 | UInt64(wire.rawValue))
    }

    private mutating func writeLittleEndian32(_ v: UInt32) {
        if counting { count += 4; return }
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

    private mutating func writeLittleEndian64(_ v: UInt64) {
        if counting { count += 8; return }
        for shift in stride(from: 0, to: 64, by: 8) { append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    // MARK: Fields

    /// An `int64` field. Negative values take ten bytes (two's complement, no zigzag), as the
    /// spec requires for `int64`/`int32`.
    mutating func int64(_ field: Int, _ value: Int64) {
        writeTag(field, .varint)
        writeVarint(UInt64(bitPattern: value))
    }

    /// An `int32` (or enum) field: sign-extended to 64 bits like the reference encoders.
    mutating func int32(_ field: Int, _ value: Int32) {
        int64(field, Int64(value))
    }

    mutating func uint64(_ field: Int, _ value: UInt64) {
        writeTag(field, .varint)
        writeVarint(value)
    }

    mutating func bool(_ field: Int, _ value: Bool) {
        writeTag(field, .varint)
        writeVarint(value ? 1 : 0)
    }

    mutating func fixed32(_ field: Int, _ value: UInt32) {
        writeTag(field, .fixed32)
        writeLittleEndian32(value)
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        writeTag(field, .fixed64)
        writeLittleEndian64(value)
    }

    /// A `float` field (fixed32, IEEE 754 bits).
    mutating func float(_ field: Int, _ value: Float) { fixed32(field, value.bitPattern) }

    /// A `double` field (fixed64, IEEE 754 bits).
    mutating func double(_ field: Int, _ value: Double) { fixed64(field, value.bitPattern) }

    /// A `bytes` field.
    mutating func bytes<C: Collection>(_ field: Int, _ value: C) where C.Element == UInt8 {
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(value.count))
        append(contentsOf: value)
    }

    /// A `string` field (UTF-8).
    mutating func string(_ field: Int, _ value: String) { bytes(field, value.utf8) }

    /// A nested message field.
    mutating func message(_ field: Int, _ value: some ProtoMessage) {
        let size = Self.size(of: value)
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(size))
        if counting { count += size } else { value.encode(to: &self) }
    }

    // MARK: Packed repeated scalars

    /// A packed repeated `int64`/`int32` field (nothing is written for an empty list, as in
    /// the reference encoders).
    mutating func packedVarints(_ field: Int, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        let length = values.reduce(0) { $0 + Self.varintSize(UInt64(bitPattern: $1)) }
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(length))
        if counting { count += length; return }
        for v in values { writeVarint(UInt64(bitPattern: v)) }
    }

    /// A packed repeated `float` field.
    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        guard !values.isEmpty else { return }
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(values.count * 4))
        if counting { count += values.count * 4; return }
        for v in values { writeLittleEndian32(v.bitPattern) }
    }

    /// A packed repeated `double` field.
    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        guard !values.isEmpty else { return }
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(values.count * 8))
        if counting { count += values.count * 8; return }
        for v in values { writeLittleEndian64(v.bitPattern) }
    }
}
