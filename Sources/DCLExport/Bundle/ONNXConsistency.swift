// One check that a model's ONNX file agrees with the rest of its bundle: the graph's inputs and
// outputs are the model's signature (names, order, element types) and every parameter is held
// as the initialisers `ONNXGraphBuilder.addWeight` writes for its storage (`W`, `W_fp16`, or
// `W_quantized` + `W_scale`), with exactly the bytes `weights.safetensors` stores. A mismatch
// means the file was built with other weights or another storage setting, and the bundle
// would run differently in ONNX Runtime than in dcl.
//
// The writer runs it on what it is about to write (`BundleWriter`), the reader on what it
// read (`checkModels`, so `dcl inspect` and `dcl predict` refuse such a bundle).

/// What an ONNX file must hold.
struct ONNXExpectation {
    /// A graph input or output: its name and element type.
    struct Value {
        var name: String
        var type: ONNXDataType
    }

    /// One initialiser of a parameter: its name, element type, and a test of its raw bytes.
    struct Initializer {
        var name: String
        var type: ONNXDataType
        var parameter: String
        var holds: ([UInt8]) -> Bool
    }

    var inputs: [Value]
    var outputs: [Value]
    var initializers: [Initializer] = []

    /// The initialisers of parameter `name` stored as `form`; `parts` are the stored byte
    /// arrays in order (the values, then an int8 weight's scales), tested by `holds`.
    mutating func expectParameter(_ name: String, stored form: StoredForm, holds: @escaping (_ part: Int, _ raw: [UInt8]) -> Bool) {
        for (i, (suffix, type)) in form.onnxInitializers.enumerated() {
            initializers.append(Initializer(name: name + suffix, type: type, parameter: name, holds: { holds(i, $0) }))
        }
    }
}

/// How a weight is stored, and the ONNX initialisers that hold it (suffix, element type).
enum StoredForm {
    case float32, int32, float16, int8

    var onnxInitializers: [(String, ONNXDataType)] {
        switch self {
        case .float32: return [("", .float)]
        case .int32: return [("", .int32)]
        case .float16: return [("_fp16", .float16)]
        case .int8: return [("_quantized", .int8), (int8ScaleSuffix, .float)]
        }
    }
}

/// Decodes `bytes` and checks them against `expected`; `fail` makes the error (naming the model
/// or the bundle entry).
func checkONNX(_ bytes: [UInt8], against expected: ONNXExpectation, fail: (String) -> ExportError) throws {
    let onnx: ONNXModel
    do {
        onnx = try ONNXModel(serializedBytes: bytes)
    } catch let e as ExportError {
        throw fail("the ONNX model does not decode: \(e.message)")
    }
    guard onnx.opsetImports.contains(where: { $0.domain == "" || $0.domain == "ai.onnx" }) else {
        throw fail("the ONNX model imports no default-domain opset")
    }
    var initializers: [String: ONNXTensor] = [:]
    for t in onnx.graph.initializers where initializers[t.name] == nil { initializers[t.name] = t }

    // Since IR 4 initialisers need not be graph inputs; those that are do not count.
    let inputs = onnx.graph.inputs.filter { initializers[$0.name] == nil }
    guard inputs.map(\.name) == expected.inputs.map(\.name) else {
        throw fail("the ONNX graph's inputs are \(inputs.map(\.name)), expected \(expected.inputs.map(\.name))")
    }
    guard onnx.graph.outputs.map(\.name) == expected.outputs.map(\.name) else {
        throw fail("the ONNX graph's outputs are \(onnx.graph.outputs.map(\.name)), expected \(expected.outputs.map(\.name))")
    }
    for (v, e) in zip(inputs + onnx.graph.outputs, expected.inputs + expected.outputs) where v.elementType != e.type {
        throw fail("ONNX value '\(v.name)' has element type \(v.elementType.name), expected \(e.type.name)")
    }
    for e in expected.initializers {
        guard let t = initializers[e.name] else {
            throw fail("the ONNX model has no initializer '\(e.name)' for parameter '\(e.parameter)' (was it built with another weight storage?)")
        }
        guard t.dataType == e.type, e.holds(t.rawData) else {
            throw fail("initializer '\(e.name)' does not hold the \(e.type.name) bytes stored for parameter '\(e.parameter)'")
        }
    }
}
