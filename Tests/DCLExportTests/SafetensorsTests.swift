// The internal safetensors codec: layout of what it writes, and refusal of every malformed
// header (the Python `safetensors` package reading our files is in BundleTests).

import Testing
@testable import DCLExport

private func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
    littleEndianBytes(UInt64(header.utf8.count)) + Array(header.utf8) + data
}

@Suite("safetensors")
struct SafetensorsTests {
    @Test func writesAlignedSortedTensorsAndReadsThemBack() throws {
        let tensors = [
            SafetensorsTensor(name: "b.int8", dtype: .i8, shape: [3], bytes: [1, 2, 3]),
            SafetensorsTensor(name: "a.half", dtype: .f16, shape: [2], bytes: [0, 0x3C, 0, 0xC0]),
            SafetensorsTensor(name: "z.float", dtype: .f32, shape: [1, 2], bytes: rawBytes(of: [Float(1), 2])),
            SafetensorsTensor(name: "scalar", dtype: .f32, shape: [], bytes: rawBytes(of: [Float(0.5)])),
            SafetensorsTensor(name: "empty", dtype: .i32, shape: [0, 4], bytes: []),
        ]
        let bytes = try SafetensorsFile.encode(tensors, metadata: ["format": "dcl", "quote\"d": "x\ny"])
        let n = Int(le64(bytes, 0))
        #expect(n % 8 == 0)
        let f = try SafetensorsFile.decode(bytes)
        #expect(f.metadata == ["format": "dcl", "quote\"d": "x\ny"])
        for t in tensors {
            let e = try #require(f.entries[t.name])
            #expect(e.dtype == t.dtype && e.shape == t.shape)
            #expect(Array(f.bytes(of: t.name)!) == t.bytes)
            // Every tensor starts at a multiple of its element size.
            #expect((8 + n + e.range.lowerBound) % t.dtype.byteSize == 0)
        }
        // Larger elements first, then by name.
        let order = f.entries.values.sorted { $0.range.lowerBound < $1.range.lowerBound }.filter { !$0.range.isEmpty }.map(\.name)
        #expect(order == ["scalar", "z.float", "a.half", "b.int8"])
        #expect(try SafetensorsFile.encode(tensors, metadata: [:]) == SafetensorsFile.encode(tensors.reversed(), metadata: [:]))
    }

    @Test func writerRefusesInconsistentTensors() {
        expectExportError(.safetensors, "'w'", "needs 8 bytes, found 4") {
            _ = try SafetensorsFile.encode([SafetensorsTensor(name: "w", dtype: .f32, shape: [2], bytes: [0, 0, 0, 0])], metadata: [:])
        }
        let t = SafetensorsTensor(name: "w", dtype: .i8, shape: [1], bytes: [0])
        expectExportError(.safetensors, "'w' is written twice") { _ = try SafetensorsFile.encode([t, t], metadata: [:]) }
        expectExportError(.safetensors, "reserved") {
            _ = try SafetensorsFile.encode([SafetensorsTensor(name: "__metadata__", dtype: .i8, shape: [1], bytes: [0])], metadata: [:])
        }
    }

    @Test func readerRefusesMalformedFiles() {
        expectExportError(.safetensors, "too short") { _ = try SafetensorsFile.decode([1, 2, 3]) }
        expectExportError(.truncated, "header claims 100 bytes") { _ = try SafetensorsFile.decode(littleEndianBytes(UInt64(100)) + [0x7B]) }
        expectExportError(.tooLarge, "cap") { _ = try SafetensorsFile.decode(littleEndianBytes(UInt64.max) + [0x7B]) }
        expectExportError(.safetensors, "not valid safetensors JSON") { _ = try SafetensorsFile.decode(file("{\"a\": ")) }
        expectExportError(.safetensors, "not valid safetensors JSON") { _ = try SafetensorsFile.decode(file("[1, 2]")) }
        expectExportError(.unsupported, "dtype 'F64'") {
            _ = try SafetensorsFile.decode(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", data: Array(repeating: 0, count: 8)))
        }
        expectExportError(.safetensors, "outside the 4-byte buffer") {
            _ = try SafetensorsFile.decode(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data: [0, 0, 0, 0]))
        }
        expectExportError(.safetensors, "needs 8 bytes, its offsets span 4") {
            _ = try SafetensorsFile.decode(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]))
        }
        expectExportError(.safetensors, "negative dimension") {
            _ = try SafetensorsFile.decode(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}"))
        }
        expectExportError(.tooLarge, "too large") {
            _ = try SafetensorsFile.decode(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[\(Int.max), 2],\"data_offsets\":[0,0]}}"))
        }
        expectExportError(.safetensors, "overlaps") {
            _ = try SafetensorsFile.decode(file("{\"a\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[1,3]}}", data: [0, 0, 0]))
        }
        expectExportError(.safetensors, "gap before tensor 'b'") {
            _ = try SafetensorsFile.decode(file("{\"a\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]},\"b\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[2,3]}}", data: [0, 0, 0]))
        }
        expectExportError(.safetensors, "2 bytes no tensor uses") {
            _ = try SafetensorsFile.decode(file("{\"a\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", data: [0, 0, 0]))
        }
        expectExportError(.safetensors, "not valid safetensors JSON") {
            _ = try SafetensorsFile.decode(file("{\"__metadata__\":{\"k\":1}}"))
        }
        expectExportError(.safetensors, "not valid safetensors JSON") {
            _ = try SafetensorsFile.decode(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]))
        }
    }
}
