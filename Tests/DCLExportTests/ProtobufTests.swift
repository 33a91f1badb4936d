// The protobuf encoder and decoder against bytes worked out by hand from the wire-format spec
// (the examples of protobuf.dev's "Encoding" page, and small ONNX messages).

import Testing
@testable import DCLExport

private struct Fields: ProtoMessage {
    var write: (inout ProtoWriter) -> Void
    func encode(to writer: inout ProtoWriter) { write(&writer) }
}

private func encode(_ write: @escaping (inout ProtoWriter) -> Void) -> [UInt8] {
    ProtoWriter.encode(Fields(write: write))
}

@Suite("protobuf wire format")
struct ProtobufTests {
    @Test func varintFieldMatchesTheSpecExample() {
        // "message Test1 { optional int32 a = 1; }" with a = 150 encodes as 08 96 01.
        #expect(encode { $0.int32(1, 150) } == [0x08, 0x96, 0x01])
        #expect(encode { $0.uint64(1, 300) } == [0x08, 0xAC, 0x02])
        #expect(encode { $0.int64(1, 0) } == [0x08, 0x00])
    }

    @Test func negativeIntegersTakeTenBytes() {
        // int32/int64 negatives are sign-extended two's complement, not zigzag.
        let bytes = encode { $0.int64(1, -1) }
        #expect(bytes == [0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
        #expect(encode { $0.int32(1, -2) } == encode { $0.int64(1, -2) })
    }

    @Test func stringAndBytesAreLengthDelimited() {
        #expect(encode { $0.string(2, "testing") } == [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67])
        #expect(encode { $0.bytes(9, [UInt8]()) } == [0x4A, 0x00])
    }

    @Test func fixedWidthFieldsAreLittleEndian() {
        #expect(encode { $0.float(2, 1.0) } == [0x15, 0x00, 0x00, 0x80, 0x3F])
        #expect(encode { $0.fixed64(1, 0x0102_0304_0506_0708) } == [0x09, 8, 7, 6, 5, 4, 3, 2, 1])
        #expect(encode { $0.double(1, -2.0) } == [0x09, 0, 0, 0, 0, 0, 0, 0, 0xC0])
    }

    @Test func packedRepeatedMatchesTheSpecExample() {
        // "repeated int32 d = 4 [packed = true]" with 3, 270, 86942: 22 06 03 8E 02 9E A7 05.
        #expect(encode { $0.packedVarints(4, [3, 270, 86942]) } == [0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05])
        #expect(encode { $0.packedFloats(4, [1.0, -2.0]) } == [0x22, 0x08, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])
        #expect(encode { $0.packedVarints(4, []) } == [])
    }

    @Test func nestedMessageIsPrefixedWithItsLength() {
        // "message Test3 { optional Test1 c = 3; }" with c.a = 150: 1a 03 08 96 01.
        let inner = Fields { $0.int32(1, 150) }
        #expect(encode { $0.message(3, inner) } == [0x1A, 0x03, 0x08, 0x96, 0x01])
        #expect(ProtoWriter.size(of: Fields { $0.message(3, inner) }) == 5)
    }

    @Test func varintSizesAtTheBoundaries() {
        #expect(ProtoWriter.varintSize(0) == 1)
        #expect(ProtoWriter.varintSize(127) == 1)
        #expect(ProtoWriter.varintSize(128) == 2)
        #expect(ProtoWriter.varintSize(UInt64.max) == 10)
    }

    @Test func readerDecodesWhatTheWriterWrote() throws {
        let bytes = encode {
            $0.int64(1, -5); $0.string(2, "héllo"); $0.float(3, 0.5); $0.packedVarints(4, [1, 300, -1])
            $0.int64(5, 7); $0.int64(5, 8)
        }
        var r = ProtoReader(bytes, context: "Test")
        var seen: [Int] = []
        var ints: [Int64] = []
        while let f = try r.nextField() {
            seen.append(f.number)
            switch f.number {
            case 1: #expect(try r.readInt64() == -5)
            case 2: #expect(try r.readString() == "héllo")
            case 3: #expect(try r.readFloat() == 0.5)
            case 4, 5: try r.readRepeatedInt64(f.wire, into: &ints)
            default: Issue.record("unexpected field \(f.number)")
            }
        }
        #expect(seen == [1, 2, 3, 4, 5, 5])
        // Packed and unpacked runs of the same repeated field concatenate.
        #expect(ints == [1, 300, -1, 7, 8])
    }

    @Test func readerRejectsMalformedInput() {
        func fails(_ bytes: [UInt8], _ fragment: String) {
            var r = ProtoReader(bytes, context: "Test")
            do {
                while let f = try r.nextField() { try r.skip(f.wire) }
                Issue.record("expected an error containing '\(fragment)' for \(bytes)")
            } catch let e as ExportError {
                #expect(e.kind == .protobuf)
                #expect(e.message.contains(fragment), "\(e.message)")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        fails([0x08], "truncated varint")
        fails([0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01], "overflows 64 bits")
        fails([0x12, 0x05, 0x61], "runs past the end")
        fails([0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "runs past the end")
        fails([0x0B], "group")
        fails([0x0E], "invalid wire type")
        fails([0x00], "invalid field number 0")
        fails([0x0D, 0x00, 0x00], "truncated fixed32")
    }
}
