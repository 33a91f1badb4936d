// Running a model from a bundle alone — no script: the graph is parsed from its IR text
// (`GraphParser`, which verifies it), the weights come from `weights.safetensors` (widened or
// dequantised to float32 as the manifest says), and the engine's `Executor` runs it. This is
// what `dcl predict` does, and what the round-trip tests compare against the interpreter.

import DCLGraph
import DCLTensor

/// One model of a verified bundle, ready to run.
public final class BundleModel {
    public let name: String
    public let graph: Graph
    public let inputs: [BundleManifest.Signature]
    public let outputs: [BundleManifest.Signature]
    private let store: ParameterStore
    private let executor: Executor

    init(contents: BundleContents, name: String) throws {
        guard let m = contents.manifest.models.first(where: { $0.name == name }) else {
            let known = contents.manifest.models.map { "'\($0.name)'" }.joined(separator: ", ")
            throw ExportError(.invalidArgument, "the bundle has no model '\(name)' (it has \(known))")
        }
        let graph: Graph
        do {
            graph = try GraphParser.parse(try contents.graphText(of: name))
        } catch let e as GraphError {
            throw ExportError(.invalidArgument, entry: m.graph, "the graph does not parse: \(e.description)")
        }
        guard graph.inputs.map(\.name) == m.inputs.map(\.name), graph.outputs.map(\.name) == m.outputs.map(\.name) else {
            throw ExportError(.manifest, entry: m.graph, "the graph's inputs and outputs differ from the manifest's signature of '\(name)'")
        }
        guard graph.assignments.isEmpty else {
            throw ExportError(.invalidArgument, entry: m.graph, "the graph updates state; a bundle holds inference graphs")
        }
        let store = ParameterStore()
        for p in graph.parameters {
            let t = try contents.tensor(model: name, parameter: p.name)
            guard t.shape == p.shape, t.dtype == p.dtype else {
                throw ExportError(.invalidArgument, entry: weightsEntryName,
                                  "'\(name)/\(p.name)' is \(t.dtype.rawValue)\(formatShape(t.shape)), the graph expects \(p.type)")
            }
            store.tensors[p.name] = t
        }
        self.name = name
        self.graph = graph
        self.inputs = m.inputs
        self.outputs = m.outputs
        self.store = store
        do {
            executor = try Executor(graph: graph)
        } catch let e as GraphError {
            throw ExportError(.invalidArgument, entry: m.graph, "the graph is not valid: \(e.description)")
        }
    }

    /// Per-sample shape and dtype of input `i`.
    public func sampleShape(ofInput i: Int) -> [Int] {
        inputs[i].shape.dropFirst().map { if case .fixed(let v) = $0 { return v }; return 1 }
    }

    public func dtype(ofInput i: Int) -> DType { inputs[i].dtype == "i32" ? .int32 : .float32 }

    /// Runs the model on a batch (each input `[N, …]`); outputs by name, in manifest order.
    public func run(_ feeds: [String: Tensor]) throws -> [(name: String, tensor: Tensor)] {
        for (i, s) in inputs.enumerated() {
            guard let t = feeds[s.name] else { throw ExportError(.invalidArgument, "model '\(name)' needs input '\(s.name)'") }
            let want = sampleShape(ofInput: i)
            guard t.rank == want.count + 1, Array(t.shape.dropFirst()) == want, t.dtype == dtype(ofInput: i) else {
                throw ExportError(.invalidArgument, "input '\(s.name)' of '\(name)' is \(t.dtype.rawValue)\(formatShape(t.shape)), expected \(s.dtype)[N\(want.map { ", \($0)" }.joined())]")
            }
        }
        let results: [String: Tensor]
        do {
            results = try executor.run(inputs: feeds, store: store)
        } catch let e as GraphError {
            throw ExportError(.invalidArgument, "running '\(name)' failed: \(e.description)")
        }
        return outputs.map { ($0.name, results[$0.name]!) }
    }
}

extension BundleContents {
    /// Model `name`, ready to run from the bundle alone.
    public func model(named name: String) throws -> BundleModel {
        try BundleModel(contents: self, name: name)
    }
}
