// What `dcl predict` will load, checked when the bundle is read — so `dcl inspect` reports a
// bundle that cannot run, instead of calling it fine because its checksums hold (checksums only
// say the bytes are the ones the manifest lists, not that they are sane).
//
// For each model: the graph text parses (GraphParser bounds every number in it) and verifies;
// it holds no training-only op (gradient, loss, optimiser update, dropout); its inputs and
// outputs are the manifest's signature, name for name and type for type; it updates no state;
// its parameters are exactly the manifest's tensors with the declared shapes and dtypes. The
// ONNX file, when there is one, passes the writer's own consistency check (ONNXConsistency.swift)
// against the manifest and `weights.safetensors`. Errors name the entry (and the line, for
// graph text).

import DCLGraph
import DCLTensor

/// Parses and checks every model's graph and ONNX file; returns the graphs by model name.
func checkModels(_ manifest: BundleManifest, data: [String: [UInt8]], weights: SafeTensorsFile) throws -> [String: Graph] {
    var graphs: [String: Graph] = [:]
    for m in manifest.models {
        graphs[m.name] = try checkGraph(m, text: data[m.graph] ?? [])
        if let entry = m.onnx {
            do {
                try checkONNXEntry(m, bytes: data[entry] ?? [], weights: weights)
            } catch let e as ExportError {
                throw e.inEntry(entry)
            }
        }
    }
    return graphs
}

/// Model `m`'s graph, parsed from `text` and matched against the manifest.
private func checkGraph(_ m: BundleManifest.Model, text: [UInt8]) throws -> Graph {
    func bad(_ message: String) -> ExportError { ExportError(.graph, entry: m.graph, message) }
    guard let string = String(validating: text, as: UTF8.self) else { throw bad("the graph text is not valid UTF-8") }
    let g: Graph
    do {
        g = try GraphParser.parse(string)
    } catch let e as GraphError {
        // Parse errors already say "line N: …"; verifier errors say which node.
        throw bad(e.op == "parse" ? e.message : "the graph is not valid: \(e.description)")
    }
    func check(_ what: String, _ names: [String], _ types: [TensorType], _ sig: [BundleManifest.Signature]) throws {
        guard names == sig.map(\.name) else {
            throw bad("the graph's \(what) are \(names), the manifest's are \(sig.map(\.name))")
        }
        for (t, s) in zip(types, sig) {
            let want = TensorType(s.dtype == "i32" ? .int32 : .float32, s.shape.map { d -> Dim in
                switch d {
                case .fixed(let v): return Dim(v)
                case .symbol(let name): return .symbol(name)
                }
            })
            guard t == want else { throw bad("'\(s.name)' is \(t) in the graph, \(want) in the manifest") }
        }
    }
    // Training-only ops (gradients, losses, optimiser updates, dropout) never belong in a
    // bundle; refusing them keeps their run-time machinery (schedules, state) out of predict.
    let trainingOnly = ONNXLowering.notExportableOps
    if let n = g.nodes.first(where: { trainingOnly[$0.opName] != nil }) {
        throw bad("node '\(n.name)' uses '\(n.opName)': \(trainingOnly[n.opName]!)")
    }
    try check("inputs", g.inputs.map(\.name), g.inputs.map { g.type(of: $0.value) }, m.inputs)
    try check("outputs", g.outputs.map(\.name), g.outputs.map { g.type(of: $0.value) }, m.outputs)
    guard g.assignments.isEmpty else { throw bad("the graph updates state; a bundle holds inference graphs") }
    let tensors = Dictionary(m.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    for p in g.parameters {
        guard let t = tensors[p.name] else { throw bad("parameter '\(p.name)' has no tensor in the manifest") }
        let dtype: DType = t.stored == "I32" ? .int32 : .float32
        guard t.shape == p.shape, dtype == p.dtype else {
            throw bad("parameter '\(p.name)' is \(p.type) in the graph, the manifest stores \(dtype.rawValue)\(formatShape(t.shape)) (\(t.stored))")
        }
    }
    if let extra = m.tensors.first(where: { g.parameter(named: $0.name) == nil }) {
        throw bad("the manifest lists tensor '\(extra.name)', which the graph does not use")
    }
    return g
}

/// Model `m`'s ONNX file: decodes, has the manifest's signature, and holds every weight as
/// stored in `weights.safetensors` (ONNXConsistency.swift).
private func checkONNXEntry(_ m: BundleManifest.Model, bytes: [UInt8], weights: SafeTensorsFile) throws {
    func value(_ s: BundleManifest.Signature) -> ONNXExpectation.Value {
        ONNXExpectation.Value(name: s.name, type: s.dtype == "i32" ? .int32 : .float)
    }
    var expected = ONNXExpectation(inputs: m.inputs.map(value), outputs: m.outputs.map(value))
    for t in m.tensors {
        let form: StoredForm = t.stored == "F32" ? .float32 : t.stored == "I32" ? .int32 : t.stored == "F16" ? .float16 : .int8
        let keys = form == .int8 ? [t.key, t.scaleKey ?? ""] : [t.key]
        expected.expectParameter(t.name, stored: form) { part, raw in
            weights.bytes(of: keys[part]).map { raw.elementsEqual($0) } ?? false
        }
    }
    try checkONNX(bytes, against: expected) { ExportError(.onnx, $0) }
}
