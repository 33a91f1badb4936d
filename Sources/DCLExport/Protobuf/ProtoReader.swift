// A minimal protobuf wire-format decoder, strict enough for untrusted bytes.
//
// Every read is bounds-checked against the end of the enclosing message; a varint longer than
// ten bytes, a length running past the end, or a group wire type is a thrown `ExportError`.
// Nothing is allocated from a declared number: lengths are checked against the bytes actually
// present before a slice is taken, so the largest allocation is bounded by the input size.

/// Reads fields from a protobuf message held in a shared byte array.
struct ProtoReader {
    /// One decoded field header.
    struct Field {
        var number: Int
        var wire: WireType
    }

    private let buffer: [UInt8]
    private(set) var position: Int
    private let end: Int
    /// The message type being read, for error messages ("in 'TensorProto'").
    let context: String

    init(_ bytes: [UInt8], context: String) {
        self.buffer = bytes
        self.position = 0
        self.end = bytes.count
        self.context = context
    }

    private init(buffer: [UInt8], range: Range<Int>, context: String) {
        self.buffer = buffer
        self.position = range.lowerBound
        self.end = range.upperBound
        self.context = context
    }

    var isAtEnd: Bool { position >= end }

    private func error(_ message: String) -> ExportError {
        ExportError(.protobuf, "in '\(context)': \(message)")
    }

    /// The next field header, or nil at the end of the message.
    mutating func nextField() throws -> Field? {
        guard !isAtEnd else { return nil }
        let key = try readVarint()
        guard let wire = WireType(rawValue: UInt8(key & 7)) else {
            throw error("invalid wire type \(key & 7) at offset \(position)")
        }
        let number = key >> 3
        guard number >= 1, number <= 536_870_911 else {
            throw error("invalid field number \(number)")
        }
        if wire == .startGroup || wire == .endGroup {
            throw error("field \(number) uses the deprecated group encoding, which dcl does not read")
        }
        return Field(number: Int(number), wire: wire)
    }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw error("truncated varint at offset \(position)") }
            let byte = buffer[position]
            position += 1
            // The tenth byte may only contribute the top bit of a 64-bit value.
            if shift == 63 && byte > 1 { throw error("varint overflows 64 bits at offset \(position - 1)") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func readInt64() throws -> Int64 { Int64(bitPattern: try readVarint()) }

    /// An `int32`: the reference encoders sign-extend negatives to 64 bits; values that do not
    /// fit 32 bits are truncated as protobuf parsers do.
    mutating func readInt32() throws -> Int32 { Int32(truncatingIfNeeded: try readVarint()) }

    mutating func readFixed32() throws -> UInt32 {
        guard end - position >= 4 else { throw error("truncated fixed32 at offset \(position)") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(buffer[position + i]) << UInt32(8 * i) }
        position += 4
        return v
    }

    mutating func readFixed64() throws -> UInt64 {
        guard end - position >= 8 else { throw error("truncated fixed64 at offset \(position)") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(buffer[position + i]) << UInt64(8 * i) }
        position += 8
        return v
    }

    mutating func readFloat() throws -> Float { Float(bitPattern: try readFixed32()) }

    /// The byte range of a length-delimited field, checked against the message end.
    private mutating func readLengthRange() throws -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(end - position) else {
            throw error("length \(length) at offset \(position) runs past the end of the message (\(end - position) bytes left)")
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    mutating func readBytes() throws -> [UInt8] {
        Array(buffer[try readLengthRange()])
    }

    mutating func readString() throws -> String {
        let bytes = buffer[try readLengthRange()]
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw error("string field is not valid UTF-8")
        }
        return s
    }

    /// A reader over a nested message's bytes.
    mutating func readMessage(_ context: String) throws -> ProtoReader {
        ProtoReader(buffer: buffer, range: try readLengthRange(), context: context)
    }

    /// Skips a field's value (unknown fields are legal in protobuf).
    mutating func skip(_ wire: WireType) throws {
        switch wire {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .fixed32: _ = try readFixed32()
        case .lengthDelimited: _ = try readLengthRange()
        case .startGroup, .endGroup: throw error("group encoding is not supported")
        }
    }

    // MARK: Repeated scalars: packed or not

    /// Appends one or many `int64` values: a packed run (length-delimited) or a single varint,
    /// since parsers must accept both encodings of a repeated scalar.
    mutating func readRepeatedInt64(_ wire: WireType, into values: inout [Int64]) throws {
        switch wire {
        case .varint: values.append(try readInt64())
        case .lengthDelimited:
            var sub = ProtoReader(buffer: buffer, range: try readLengthRange(), context: context)
            while !sub.isAtEnd { values.append(try sub.readInt64()) }
        default: throw error("repeated int64 field has wire type \(wire.rawValue), expected 0 or 2")
        }
    }

    mutating func readRepeatedInt32(_ wire: WireType, into values: inout [Int32]) throws {
        switch wire {
        case .varint: values.append(try readInt32())
        case .lengthDelimited:
            var sub = ProtoReader(buffer: buffer, range: try readLengthRange(), context: context)
            while !sub.isAtEnd { values.append(try sub.readInt32()) }
        default: throw error("repeated int32 field has wire type \(wire.rawValue), expected 0 or 2")
        }
    }

    mutating func readRepeatedFloat(_ wire: WireType, into values: inout [Float]) throws {
        switch wire {
        case .fixed32: values.append(try readFloat())
        case .lengthDelimited:
            let range = try readLengthRange()
            guard range.count % 4 == 0 else { throw error("packed float run of \(range.count) bytes is not a multiple of 4") }
            var sub = ProtoReader(buffer: buffer, range: range, context: context)
            values.reserveCapacity(values.count + range.count / 4)
            while !sub.isAtEnd { values.append(try sub.readFloat()) }
        default: throw error("repeated float field has wire type \(wire.rawValue), expected 5 or 2")
        }
    }

    /// Throws unless `wire` is the wire type `expected` a field of this kind must use.
    func expect(_ wire: WireType, _ expected: WireType, field: String) throws {
        guard wire == expected else {
            throw error("field '\(field)' has wire type \(wire.rawValue), expected \(expected.rawValue)")
        }
    }
}
