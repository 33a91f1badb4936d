// The ONNX value model: bytes of small messages worked out by hand from onnx.proto, round
// trips through the decoder, determinism, the builder's checks, and the decoder on damaged
// input.

import Foundation
import Testing
import DCLTensor
@testable import DCLExport

@Suite("ONNX model")
struct ONNXModelTests {
    @Test func smallMessagesHaveTheExpectedBytes() throws {
        // OperatorSetIdProto { domain: "" (1), version: 17 (2) }.
        #expect(ProtoWriter.encode(ONNXOpsetImport(domain: "", version: 17)) == [0x0A, 0x00, 0x10, 0x11])
        // AttributeProto { name: "axis" (1), i: 1 (3), type: INT = 2 (20, tag A0 01) }.
        #expect(ProtoWriter.encode(ONNXAttribute("axis", .int(1))) == [0x0A, 0x04, 0x61, 0x78, 0x69, 0x73, 0x18, 0x01, 0xA0, 0x01, 0x02])
        // ints are unpacked in proto2: one tag per element.
        #expect(ProtoWriter.encode(ONNXAttribute("p", .ints([1, 2]))) == [0x0A, 0x01, 0x70, 0x40, 0x01, 0x40, 0x02, 0xA0, 0x01, 0x07])
        // ValueInfoProto "x": float [N, 3] — type { tensor_type { elem_type 1, shape { dim { dim_param "N" } dim { dim_value 3 } } } }.
        let info = ONNXValueInfo(name: "x", elementType: .float, shape: [.param("N"), .value(3)])
        #expect(ProtoWriter.encode(info) == [0x0A, 0x01, 0x78, 0x12, 0x0F, 0x0A, 0x0D, 0x08, 0x01, 0x12, 0x09,
                                             0x0A, 0x03, 0x12, 0x01, 0x4E, 0x0A, 0x02, 0x08, 0x03])
        // TensorProto { dims: 2 (1, unpacked), data_type: FLOAT (2), name: "w" (8), raw_data (9) }.
        let t = try ONNXTensor(name: "w", floats: [1, -2], dims: [2])
        #expect(ProtoWriter.encode(t) == [0x08, 0x02, 0x10, 0x01, 0x42, 0x01, 0x77, 0x4A, 0x08, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])
    }

    @Test func modelHeaderCarriesIRVersionAndOpset() throws {
        var g = ONNXGraphBuilder(name: "g")
        try g.addInput("x", shape: ONNXDimension.batched([2]))
        try g.addNode("Relu", inputs: ["x"], outputs: ["y"])
        try g.addOutput("y", shape: ONNXDimension.batched([2]))
        let model = try g.build(producerVersion: "0.1.0")
        let bytes = model.serializedBytes()
        // ir_version 8 comes first, then producer_name "dcl".
        #expect(Array(bytes.prefix(7)) == [0x08, 0x08, 0x12, 0x03, 0x64, 0x63, 0x6C])
        let back = try ONNXModel(serializedBytes: bytes)
        #expect(back.irVersion == 8)
        #expect(back.opsetImports == [ONNXOpsetImport(domain: "", version: 17)])
        #expect(back.graph.inputs[0].shape == [.param("N"), .value(2)])
    }

    @Test func everyCaseRoundTripsExactly() throws {
        for c in try allONNXCases() {
            let bytes = c.model.serializedBytes()
            let back = try ONNXModel(serializedBytes: bytes)
            #expect(back == c.model, "case \(c.name)")
            #expect(back.serializedBytes() == bytes, "case \(c.name)")
            // Determinism: building the same case again gives the same bytes.
            let again = try allONNXCases().first { $0.name == c.name }!.model.serializedBytes()
            #expect(again == bytes, "case \(c.name)")
            #expect(ProtoWriter.size(of: c.model) == bytes.count)
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
        let back = try ONNXModel(serializedBytes: model.serializedBytes())
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
}
