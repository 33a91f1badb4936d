// Checks, at write time, that a model's ONNX bytes agree with the rest of its description:
// the graph's inputs and outputs are the model's signature (names, order, element types) and
// every parameter is an initialiser holding exactly the bytes `weights.safetensors` stores for
// it, in the form `ONNXGraphBuilder.addWeight` writes (`W`, `W_fp16`, or `W_quantized` +
// `W_scale`). A mismatch means the ONNX file was built with other weights or another storage
// setting, and the bundle would run differently in ONNX Runtime than in dcl.

func checkONNX(_ bytes: [UInt8], model m: ModelDescription, weights: [StoredWeight]) throws {
    func fail(_ message: String) -> ExportError {
        ExportError(.invalidArgument, "model '\(m.name)': \(message)")
    }
    let onnx: ONNXModel
    do {
        onnx = try ONNXModel(serializedBytes: bytes)
    } catch let e as ExportError {
        throw fail("its ONNX bytes do not parse: \(e.message)")
    }
    guard onnx.opsetImports.contains(where: { $0.domain == "" || $0.domain == "ai.onnx" }) else {
        throw fail("its ONNX model imports no default-domain opset")
    }
    var initializers: [String: ONNXTensor] = [:]
    for t in onnx.graph.initializers where initializers[t.name] == nil { initializers[t.name] = t }

    // Since IR 4 initialisers need not be graph inputs; those that are do not count.
    let inputs = onnx.graph.inputs.filter { initializers[$0.name] == nil }
    guard inputs.map(\.name) == m.inputs.map(\.name) else {
        throw fail("ONNX graph inputs \(inputs.map(\.name)), expected \(m.inputs.map(\.name))")
    }
    guard onnx.graph.outputs.map(\.name) == m.outputs.map(\.name) else {
        throw fail("ONNX graph outputs \(onnx.graph.outputs.map(\.name)), expected \(m.outputs.map(\.name))")
    }
    for (v, s) in zip(inputs + onnx.graph.outputs, m.inputs + m.outputs) where v.elementType != s.onnxType {
        throw fail("ONNX value '\(v.name)' has element type \(v.elementType.name), expected \(s.onnxType.name)")
    }

    func expect(_ name: String, _ type: ONNXDataType, _ raw: [UInt8], for weight: String) throws {
        guard let t = initializers[name] else {
            throw fail("its ONNX file has no initializer '\(name)' for parameter '\(weight)' (was it built with another weight storage?)")
        }
        guard t.dataType == type, t.rawData == raw else {
            throw fail("ONNX initializer '\(name)' does not hold the bundle's \(type.name) bytes for parameter '\(weight)'")
        }
    }
    for w in weights {
        switch w.data {
        case .float32(let t): try expect(w.name, .float, t.rawBytes(), for: w.name)
        case .int32(let t): try expect(w.name, .int32, t.rawBytes(), for: w.name)
        case .float16(let h): try expect(w.name + "_fp16", .float16, rawBytes(of: h), for: w.name)
        case .int8(let q):
            try expect(w.name + "_quantized", .int8, q.values.map { UInt8(bitPattern: $0) }, for: w.name)
            try expect(w.name + int8ScaleSuffix, .float, rawBytes(of: q.scales), for: w.name)
        }
    }
}
