// The ONNX value model: bytes of small messages worked out by hand from the ONNX wire format,
// round trips through the decoder, determinism, the builder's checks, and the decoder on damaged,
// malformed and refused input.

import Foundation
import Testing
import DCLTensor
import DCLONNXProto
import SwiftProtobuf
@testable import DCLExport

/// The bytes swift-protobuf writes for one generated message.
private func bytes(_ message: some SwiftProtobuf.Message) throws -> [UInt8] { try message.serializedBytes() }

/// A valid model to damage: one Relu from `x` to `y`.
private func reluModel() throws -> Onnx_ModelProto {
    var g = ONNXGraphBuilder(name: "g")
    try g.addInput("x", shape: ONNXDimension.batched([2]))
    try g.addNode("Relu", inputs: ["x"], outputs: ["y"])
    try g.addOutput("y", shape: ONNXDimension.batched([2]))
    return try g.build(producerVersion: "t").proto
}

/// Decodes `message`'s bytes with dcl's reader.
private func decode(_ message: Onnx_ModelProto) throws -> ONNXModel {
    try ONNXModel(serializedBytes: try bytes(message))
}

@Suite("ONNX model")
struct ONNXModelTests {
    @Test func smallMessagesHaveTheExpectedBytes() throws {
        // OperatorSetIdProto { domain: "" (1), version: 17 (2) }.
        #expect(try bytes(ONNXOpsetImport(domain: "", version: 17).proto) == [0x0A, 0x00, 0x10, 0x11])
        // AttributeProto { name: "axis" (1), i: 1 (3), type: INT = 2 (20, tag A0 01) }.
        #expect(try bytes(ONNXAttribute("axis", .int(1)).proto) == [0x0A, 0x04, 0x61, 0x78, 0x69, 0x73, 0x18, 0x01, 0xA0, 0x01, 0x02])
        // int64 negatives are sign-extended two's complement in ten bytes, not zigzag.
        #expect(try bytes(ONNXAttribute("n", .int(-1)).proto)
                == [0x0A, 0x01, 0x6E, 0x18] + [UInt8](repeating: 0xFF, count: 9) + [0x01, 0xA0, 0x01, 0x02])
        // ints are unpacked in proto2: one tag per element.
        #expect(try bytes(ONNXAttribute("p", .ints([1, 2])).proto) == [0x0A, 0x01, 0x70, 0x40, 0x01, 0x40, 0x02, 0xA0, 0x01, 0x07])
        // f is a little-endian fixed32; an empty string attribute still writes its (empty) s.
        #expect(try bytes(ONNXAttribute("a", .float(1)).proto) == [0x0A, 0x01, 0x61, 0x15, 0x00, 0x00, 0x80, 0x3F, 0xA0, 0x01, 0x01])
        #expect(try bytes(ONNXAttribute("m", .bytes([])).proto) == [0x0A, 0x01, 0x6D, 0x22, 0x00, 0xA0, 0x01, 0x03])
        // ValueInfoProto "x": float [N, 3] — type { tensor_type { elem_type 1, shape { dim { dim_param "N" } dim { dim_value 3 } } } }.
        let info = ONNXValueInfo(name: "x", elementType: .float, shape: [.param("N"), .value(3)])
        #expect(try bytes(info.proto) == [0x0A, 0x01, 0x78, 0x12, 0x0F, 0x0A, 0x0D, 0x08, 0x01, 0x12, 0x09,
                                          0x0A, 0x03, 0x12, 0x01, 0x4E, 0x0A, 0x02, 0x08, 0x03])
        // A scalar's shape is present and empty; an unknown rank writes no shape.
        #expect(try bytes(ONNXValueInfo(name: "s", elementType: .int64, shape: []).proto) == [0x0A, 0x01, 0x73, 0x12, 0x06, 0x0A, 0x04, 0x08, 0x07, 0x12, 0x00])
        #expect(try bytes(ONNXValueInfo(name: "u", elementType: .int64, shape: nil).proto) == [0x0A, 0x01, 0x75, 0x12, 0x04, 0x0A, 0x02, 0x08, 0x07])
        // TensorProto { dims: 2 (1, unpacked), data_type: FLOAT (2), name: "w" (8), raw_data (9) }.
        let t = try ONNXTensor(name: "w", floats: [1, -2], dims: [2])
        #expect(try bytes(t.proto) == [0x08, 0x02, 0x10, 0x01, 0x42, 0x01, 0x77, 0x4A, 0x08, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])
        // An empty tensor still writes its (empty) raw_data.
        let e = try ONNXTensor(name: "", dataType: .int64, dims: [0], rawData: [])
        #expect(try bytes(e.proto) == [0x08, 0x00, 0x10, 0x07, 0x4A, 0x00])
    }

    @Test func modelHeaderCarriesIRVersionAndOpset() throws {
        var g = ONNXGraphBuilder(name: "g")
        try g.addInput("x", shape: ONNXDimension.batched([2]))
        try g.addNode("Relu", inputs: ["x"], outputs: ["y"])
        try g.addOutput("y", shape: ONNXDimension.batched([2]))
        let model = try g.build(producerVersion: "0.1.0")
        let bytes = try model.serializedBytes()
        // ir_version 8 comes first, then producer_name "dcl".
        #expect(Array(bytes.prefix(7)) == [0x08, 0x08, 0x12, 0x03, 0x64, 0x63, 0x6C])
        let back = try ONNXModel(serializedBytes: bytes)
        #expect(back.irVersion == 8)
        #expect(back.opsetImports == [ONNXOpsetImport(domain: "", version: 17)])
        #expect(back.graph.inputs[0].shape == [.param("N"), .value(2)])
    }

    @Test func everyCaseRoundTripsExactly() throws {
        for c in try allONNXCases() {
            let bytes = try c.model.serializedBytes()
            let back = try ONNXModel(serializedBytes: bytes)
            #expect(back == c.model, "case \(c.name)")
            #expect(try back.serializedBytes() == bytes, "case \(c.name)")
            // Determinism: building the same case again gives the same bytes.
            let again = try allONNXCases().first { $0.name == c.name }!.model.serializedBytes()
            #expect(again == bytes, "case \(c.name)")
        }
    }

    @Test func allAttributeKindsRoundTrip() throws {
        let t = try ONNXTensor(name: "t", int64s: [-1, 5], dims: [2])
        let attributes = [
            ONNXAttribute("f", .float(-0.5)), ONNXAttribute("i", .int(-3)), ONNXAttribute("s", .string("héllo")),
            ONNXAttribute("t", .tensor(t)), ONNXAttribute("fs", .floats([1, 2.5])), ONNXAttribute("is", .ints([-1, 0, 1 << 40])),
            ONNXAttribute("ss", .strings([Array("a".utf8), []])), ONNXAttribute("empty", .ints([])),
        ]
        let node = ONNXNode(name: "n", opType: "Custom", domain: "dcl.test", inputs: ["a", ""], outputs: ["b"], attributes: attributes)
        let model = ONNXModel(graph: ONNXGraph(name: "g", nodes: [node],
                                               inputs: [ONNXValueInfo(name: "a", elementType: .int32, shape: nil)],
                                               outputs: [ONNXValueInfo(name: "b", elementType: .float16, shape: [])]),
                              producerVersion: "x")
        let back = try ONNXModel(serializedBytes: try model.serializedBytes())
        #expect(back == model)
    }

    @Test func tensorValuesConvert() throws {
        let t = try Tensor(shape: [2, 2], floats: [1, 2, 3, 4])
        let proto = try ONNXTensor(name: "t", tensor: t)
        #expect(proto.dataType == .float && proto.dims == [2, 2])
        #expect(proto.floatValues() == [1, 2, 3, 4])
        let ints = try ONNXTensor(name: "i", tensor: try Tensor(shape: [3], ints: [-1, 0, 7]))
        #expect(ints.dataType == .int32 && ints.int64Values() == [-1, 0, 7])
        let half = try ONNXTensor(name: "h", float16Bits: [0x3C00, 0xC000], dims: [2])
        #expect(half.floatValues() == [1, -2])
        expectExportError(.invalidArgument, "'bad'", "needs 12 bytes") {
            _ = try ONNXTensor(name: "bad", dataType: .float, dims: [3], rawData: [0, 0, 0, 0])
        }
        expectExportError(.invalidArgument, "invalid dimension -1") {
            _ = try ONNXTensor(name: "neg", dataType: .float, dims: [-1], rawData: [])
        }
    }

    @Test func builderRejectsBrokenGraphs() throws {
        var g = ONNXGraphBuilder(name: "g")
        try g.addInput("x", shape: ONNXDimension.batched([2]))
        expectExportError(.onnx, "'x'", "defined twice") { try g.addInput("x", shape: []) }
        expectExportError(.onnx, "reads 'later'", "not defined before") { try g.addNode("Relu", inputs: ["later"], outputs: ["y"]) }
        expectExportError(.onnx, "attribute 'axis' twice") {
            try g.addNode("Softmax", inputs: ["x"], outputs: ["s"], attributes: [ONNXAttribute("axis", .int(1)), ONNXAttribute("axis", .int(0))])
        }
        try g.addNode("Relu", inputs: ["x"], outputs: ["y"], name: "act")
        expectExportError(.onnx, "node name 'act'") { try g.addNode("Relu", inputs: ["y"], outputs: ["z"], name: "act") }
        expectExportError(.onnx, "'y'", "defined twice") { try g.addNode("Relu", inputs: ["x"], outputs: ["y"]) }
        try g.addOutput("missing", shape: nil)
        expectExportError(.onnx, "'missing'", "never produced") { _ = try g.build(producerVersion: "t") }
        let empty = ONNXGraphBuilder(name: "e")
        expectExportError(.onnx, "no outputs") { _ = try empty.build(producerVersion: "t") }
        // Generated names never collide with given ones.
        var h = ONNXGraphBuilder(name: "h")
        try h.addInput("relu", shape: [])
        let out = try h.addNode("Relu", inputs: ["relu"])
        #expect(out == ["relu_1"])
    }

    @Test func weightsAreDecodedByCastOrDequantizeLinear() throws {
        let w = try randomTensor([4, 3], seed: 9)
        var f16 = ONNXGraphBuilder(name: "f", weightStorage: .float16)
        #expect(try f16.addWeight("w", tensor: w) == "w")
        #expect(f16.graph.initializers.map(\.name) == ["w_fp16"])
        #expect(f16.graph.initializers[0].dataType == .float16)
        #expect(f16.graph.nodes.map(\.opType) == ["Cast"])
        #expect(f16.graph.nodes[0].attributes == [ONNXAttribute("to", .int(1))])

        var q = ONNXGraphBuilder(name: "q", weightStorage: .int8(perChannel: true))
        try q.addWeight("w", tensor: w, channelAxis: 0)
        #expect(q.graph.initializers.map(\.name) == ["w_quantized", "w_scale", "w_zero_point"])
        #expect(q.graph.initializers[1].dims == [4])
        #expect(q.graph.nodes[0].opType == "DequantizeLinear")
        #expect(q.graph.nodes[0].attributes == [ONNXAttribute("axis", .int(0))])
        #expect(q.quantizationErrors["w"]!.maxAbsError > 0)
        // Biases stay float32 under int8.
        try q.addWeight("b", tensor: try randomTensor([4], seed: 1))
        #expect(q.graph.initializers.last!.name == "b" && q.graph.initializers.last!.dataType == .float)
    }

    @Test func decoderRejectsDamagedModelsWithoutTrapping() throws {
        let bytes = try mlpCase(storage: .float32, name: "mlp").model.serializedBytes()
        // Every truncation either parses (a prefix can be a valid message) or throws.
        for n in stride(from: 0, to: bytes.count, by: 7) {
            do { _ = try ONNXModel(serializedBytes: Array(bytes[0..<n])) } catch is ExportError {}
        }
        // Flipping bytes never traps.
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<400 {
            var damaged = bytes
            damaged[rng.nextInt(below: damaged.count)] ^= UInt8(1 + rng.nextInt(below: 255))
            do { _ = try ONNXModel(serializedBytes: damaged) } catch is ExportError {}
        }
        expectExportError(.onnx, "no graph") { _ = try ONNXModel(serializedBytes: [0x08, 0x08]) }
    }

    @Test func malformedBytesAreProtobufErrors() {
        // Worked out from the wire format: each is a broken ModelProto.
        expectExportError(.protobuf, "truncated") { _ = try ONNXModel(serializedBytes: [0x08]) }  // a varint cut off
        expectExportError(.protobuf, "malformed") {  // a varint longer than ten bytes
            _ = try ONNXModel(serializedBytes: [0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01])
        }
        expectExportError(.protobuf, "truncated") { _ = try ONNXModel(serializedBytes: [0x12, 0x05, 0x61]) }  // length past the end
        expectExportError(.protobuf) { _ = try ONNXModel(serializedBytes: [0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) }
        expectExportError(.protobuf, "malformed") { _ = try ONNXModel(serializedBytes: [0x0E]) }  // wire type 6
        expectExportError(.protobuf, "malformed") { _ = try ONNXModel(serializedBytes: [0x00]) }  // field number 0
        expectExportError(.protobuf, "truncated") { _ = try ONNXModel(serializedBytes: [0x0D, 0x00, 0x00]) }  // a fixed32 cut off
        expectExportError(.protobuf, "truncated") { _ = try ONNXModel(serializedBytes: [0x0B]) }  // a group never closed
        // producer_name (2) with bytes that are not UTF-8.
        expectExportError(.protobuf, "UTF-8") { _ = try ONNXModel(serializedBytes: [0x12, 0x02, 0xC3, 0x28]) }
        // Unknown fields are skipped, as protobuf requires: a model with an extra field 99 decodes.
        let unknown: [UInt8] = [0x98, 0x06, 0x01]  // field 99, varint 1
        #expect(throws: Never.self) { _ = try ONNXModel(serializedBytes: try bytes(try reluModel()) + unknown) }
    }

    @Test func nestingIsBoundedByTheDepthLimit() throws {
        // Unknown groups (field 100) nested deeper than the limit are refused before they recurse
        // far; the same nesting within the limit is skipped as an unknown field.
        func groups(_ depth: Int) -> [UInt8] {
            [UInt8](repeating: 0xA3, count: depth).flatMap { [$0, 0x06] } + [UInt8](repeating: 0xA4, count: depth).flatMap { [$0, 0x06] }
        }
        let model = try bytes(try reluModel())
        expectExportError(.protobuf, "nested more than \(ONNXModel.messageDepthLimit) deep") {
            _ = try ONNXModel(serializedBytes: model + groups(5000))
        }
        #expect(throws: Never.self) { _ = try ONNXModel(serializedBytes: model + groups(ONNXModel.messageDepthLimit - 1)) }
    }

    @Test func refusedContentIsNamed() throws {
        var m = try reluModel()
        m.trainingInfo = [Data()]
        expectExportError(.unsupported, "training_info") { _ = try decode(m) }
        m = try reluModel(); m.functions = [Data([0x0A, 0x01, 0x66])]
        expectExportError(.unsupported, "functions") { _ = try decode(m) }
        m = try reluModel(); m.graph.sparseInitializer = [Data()]
        expectExportError(.unsupported, "sparse initializers") { _ = try decode(m) }
        m = try reluModel(); m.graph.node[0].attribute = [ONNXAttribute("body", .int(0)).proto]
        m.graph.node[0].attribute[0].g = Data()
        expectExportError(.unsupported, "attribute 'body'", "a graph") { _ = try decode(m) }
        m = try reluModel(); m.graph.node[0].attribute = [ONNXAttribute("ts", .int(0)).proto]
        m.graph.node[0].attribute[0].type = .tensors
        expectExportError(.unsupported, "attribute 'ts'", "tensors") { _ = try decode(m) }
        m = try reluModel(); m.graph.input[0].type.sequenceType = Data()
        expectExportError(.unsupported, "value 'x'", "a sequence") { _ = try decode(m) }
        var t = try ONNXTensor(name: "w", floats: [1], dims: [1]).proto
        t.externalData = [ONNXMetadataEntry("location", "w.bin").proto]
        m = try reluModel(); m.graph.initializer = [t]
        expectExportError(.unsupported, "tensor 'w'", "external data") { _ = try decode(m) }
        t = try ONNXTensor(name: "d", dataType: .double, dims: [1], rawData: [UInt8](repeating: 0, count: 8)).proto
        t.clearRawData(); t.doubleData = [1]
        m = try reluModel(); m.graph.initializer = [t]
        expectExportError(.unsupported, "tensor 'd'", "double") { _ = try decode(m) }
    }

    @Test func tensorSizesAreCheckedBeforeUse() throws {
        func initializer(_ edit: (inout Onnx_TensorProto) -> Void) throws -> Onnx_ModelProto {
            var t = try ONNXTensor(name: "w", floats: [1, 2], dims: [2]).proto
            edit(&t)
            var m = try reluModel()
            m.graph.initializer = [t]
            return m
        }
        expectExportError(.onnx, "tensor 'w'", "needs 8 bytes, raw_data holds 4") {
            _ = try decode(try initializer { $0.rawData = Data(count: 4) })
        }
        expectExportError(.onnx, "tensor 'w'", "negative dimension -2") { _ = try decode(try initializer { $0.dims = [-2] }) }
        expectExportError(.tooLarge, "tensor 'w'") { _ = try decode(try initializer { $0.dims = [1 << 62, 1 << 62] }) }
        expectExportError(.tooLarge, "tensor 'w'") { _ = try decode(try initializer { $0.dims = [1 << 61] }) }
        expectExportError(.onnx, "rank 65") { _ = try decode(try initializer { $0.dims = [Int64](repeating: 1, count: 65) }) }
        expectExportError(.onnx, "both raw_data and float_data") { _ = try decode(try initializer { $0.floatData = [1, 2] }) }
        expectExportError(.onnx, "2 elements, but float_data holds 3") {
            _ = try decode(try initializer { $0.clearRawData(); $0.floatData = [1, 2, 3] })
        }
        expectExportError(.onnx, "2 elements but no data") { _ = try decode(try initializer { $0.clearRawData() }) }
        expectExportError(.onnx, "300", "UINT8") {
            _ = try decode(try initializer { $0.clearRawData(); $0.dataType = ONNXDataType.uint8.rawValue; $0.int32Data = [1, 300] })
        }
        expectExportError(.onnx, "INT64", "float_data") {
            _ = try decode(try initializer { $0.clearRawData(); $0.dataType = ONNXDataType.int64.rawValue; $0.floatData = [1, 2] })
        }
        expectExportError(.unsupported, "data type 0") { _ = try decode(try initializer { $0.clearDataType() }) }
        // Typed fields in range read as raw_data's little-endian layout.
        let typed = try decode(try initializer { $0.clearRawData(); $0.dataType = ONNXDataType.int8.rawValue; $0.int32Data = [-1, 5] })
        #expect(typed.graph.initializers[0].rawData == [0xFF, 0x05])
        let floats = try decode(try initializer { $0.clearRawData(); $0.floatData = [1, -2] })
        #expect(floats.graph.initializers[0].floatValues() == [1, -2])
    }

    @Test func namesAndShapesAreChecked() throws {
        var m = try reluModel()
        m.graph.input[0].name = "x\u{0}"
        expectExportError(.onnx, "control character U+0000") { _ = try decode(m) }
        m = try reluModel(); m.graph.output[0].name = ""
        expectExportError(.onnx, "graph output 0", "empty") { _ = try decode(m) }
        m = try reluModel(); m.graph.node[0].opType = ""
        expectExportError(.onnx, "op_type", "empty") { _ = try decode(m) }
        m = try reluModel(); m.graph.node[0].input[0] = String(repeating: "a", count: ONNXModel.maxNameBytes + 1)
        expectExportError(.onnx, "input 0 of node", "bytes long") { _ = try decode(m) }
        m = try reluModel(); m.graph.input[0].type.tensorType.shape.dim[1].dimValue = -1
        expectExportError(.onnx, "value 'x'", "negative size -1 on axis 1") { _ = try decode(m) }
        m = try reluModel(); m.graph.input[0].type.tensorType.elemType = 8
        expectExportError(.unsupported, "element type 8") { _ = try decode(m) }
        m = try reluModel(); m.graph.input[0].clearType()
        expectExportError(.onnx, "value 'x' has no type") { _ = try decode(m) }
        // Optional inputs and outputs may be omitted (""), and a dimension may be unknown.
        m = try reluModel(); m.graph.node[0].input.append(""); m.graph.input[0].type.tensorType.shape.dim[0].value = nil
        let back = try decode(m)
        #expect(back.graph.nodes[0].inputs == ["x", ""])
        #expect(back.graph.inputs[0].shape == [.param(""), .value(2)])
    }
}
