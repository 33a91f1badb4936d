// Bundle weights through the engine's safetensors codec: layout of what the bundle writes, and
// refusal of every malformed header with the export layer's error kinds (the Python
// `safetensors` package reading our files is in BundleTests).

import Testing
import DCLTensor
@testable import DCLExport

private func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
    littleEndianBytes(UInt64(header.utf8.count)) + Array(header.utf8) + data
}

@Suite("safetensors")
struct SafetensorsTests {
    @Test func writesAlignedSortedTensorsAndReadsThemBack() throws {
        let tensors = [
            SafeTensorsEntry(name: "b.int8", dtype: .i8, shape: [3], bytes: [1, 2, 3]),
            SafeTensorsEntry(name: "a.half", dtype: .f16, shape: [2], bytes: [0, 0x3C, 0, 0xC0]),
            SafeTensorsEntry(name: "z.float", dtype: .f32, shape: [1, 2], bytes: rawBytes(of: [Float(1), 2])),
            SafeTensorsEntry(name: "scalar", dtype: .f32, shape: [], bytes: rawBytes(of: [Float(0.5)])),
            SafeTensorsEntry(name: "empty", dtype: .i32, shape: [0, 4], bytes: []),
        ]
        let bytes = try SafeTensorsFile.encodeWeights(tensors, metadata: ["format": "dcl", "quote\"d": "x\ny"])
        let n = Int(le64(bytes, 0))
        #expect(n % 8 == 0)
        let f = try SafeTensorsFile.decodeWeights(bytes)
        #expect(f.metadata == ["format": "dcl", "quote\"d": "x\ny"])
        for t in tensors {
            let e = try #require(f[t.name])
            #expect(e.dtype == t.dtype && e.shape == t.shape)
            #expect(f.bytes(of: t.name)! == t.bytes)
            // Every tensor starts at a multiple of its element size (a decoded entry's bytes are a
            // slice of the file: their start index is the offset in the file, 8 + n + data offset).
            #expect(e.bytes.startIndex >= 8 + n && e.bytes.startIndex % t.dtype.byteSize == 0)
        }
        // Larger elements first, then by name.
        let order = f.entries.sorted { $0.bytes.startIndex < $1.bytes.startIndex }.filter { !$0.bytes.isEmpty }.map(\.name)
        #expect(order == ["scalar", "z.float", "a.half", "b.int8"])
        #expect(try SafeTensorsFile.encodeWeights(tensors, metadata: [:]) == SafeTensorsFile.encodeWeights(tensors.reversed(), metadata: [:]))
    }

    @Test func writerRefusesInconsistentTensors() {
        expectExportError(.safetensors, "'w'", "needs 8 bytes, found 4") {
            _ = try SafeTensorsFile.encodeWeights([SafeTensorsEntry(name: "w", dtype: .f32, shape: [2], bytes: [0, 0, 0, 0])], metadata: [:])
        }
        let t = SafeTensorsEntry(name: "w", dtype: .i8, shape: [1], bytes: [0])
        expectExportError(.safetensors, "'w' is written twice") { _ = try SafeTensorsFile.encodeWeights([t, t], metadata: [:]) }
        expectExportError(.safetensors, "reserved") {
            _ = try SafeTensorsFile.encodeWeights([SafeTensorsEntry(name: "__metadata__", dtype: .i8, shape: [1], bytes: [0])], metadata: [:])
        }
    }

    @Test func readerRefusesMalformedFiles() {
        expectExportError(.safetensors, "too short") { _ = try SafeTensorsFile.decodeWeights([1, 2, 3]) }
        expectExportError(.truncated, "header claims 100 bytes") { _ = try SafeTensorsFile.decodeWeights(littleEndianBytes(UInt64(100)) + [0x7B]) }
        expectExportError(.tooLarge, "cap") { _ = try SafeTensorsFile.decodeWeights(littleEndianBytes(UInt64.max) + [0x7B]) }
        expectExportError(.safetensors, "not valid safetensors JSON") { _ = try SafeTensorsFile.decodeWeights(file("{\"a\": ")) }
        expectExportError(.safetensors, "not valid safetensors JSON") { _ = try SafeTensorsFile.decodeWeights(file("[1, 2]")) }
        expectExportError(.unsupported, "dtype 'F64'") {
            _ = try SafeTensorsFile.decodeWeights(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", data: Array(repeating: 0, count: 8)))
        }
        expectExportError(.safetensors, "outside the 4-byte buffer") {
            _ = try SafeTensorsFile.decodeWeights(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data: [0, 0, 0, 0]))
        }
        expectExportError(.safetensors, "needs 8 bytes, its offsets span 4") {
            _ = try SafeTensorsFile.decodeWeights(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]))
        }
        expectExportError(.safetensors, "negative dimension") {
            _ = try SafeTensorsFile.decodeWeights(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}"))
        }
        expectExportError(.tooLarge, "too large") {
            _ = try SafeTensorsFile.decodeWeights(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[\(Int.max), 2],\"data_offsets\":[0,0]}}"))
        }
        expectExportError(.safetensors, "overlaps") {
            _ = try SafeTensorsFile.decodeWeights(file("{\"a\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[1,3]}}", data: [0, 0, 0]))
        }
        expectExportError(.safetensors, "gap before tensor 'b'") {
            _ = try SafeTensorsFile.decodeWeights(file("{\"a\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]},\"b\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[2,3]}}", data: [0, 0, 0]))
        }
        expectExportError(.safetensors, "2 bytes no tensor uses") {
            _ = try SafeTensorsFile.decodeWeights(file("{\"a\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", data: [0, 0, 0]))
        }
        expectExportError(.safetensors, "not valid safetensors JSON") {
            _ = try SafeTensorsFile.decodeWeights(file("{\"__metadata__\":{\"k\":1}}"))
        }
        expectExportError(.safetensors, "not valid safetensors JSON") {
            _ = try SafeTensorsFile.decodeWeights(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]))
        }
    }
}
