// Running a model from a bundle alone — no script: the graph is the one the reader parsed from
// its IR text and checked against the manifest (BundleModelCheck), the weights come from
// `weights.safetensors` (widened or dequantised to float32 as the manifest says), and the
// engine's `Executor` runs it, after every value's size at the given batch has been checked.
// This is what `dcl predict` does, and what the round-trip tests compare against the
// interpreter.

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
        // The reader parsed and checked the graph against the manifest (BundleModelCheck).
        guard let graph = contents.graphs[name] else {
            throw ExportError(.missingEntry, entry: m.graph, "the graph was not verified, so it is not loaded")
        }
        let store = ParameterStore()
        for p in graph.parameters {
            let t: Tensor
            do { t = try contents.tensor(model: name, parameter: p.name) } catch let e as TensorError {
                throw ExportError(.safetensors, entry: weightsEntryName, "'\(name)/\(p.name)': \(e.message)")
            }
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
            let bindings = try executor.bindings(for: feeds)
            try checkSizes(under: bindings)
            results = try executor.run(inputs: feeds, store: store, bindings: bindings)
        } catch let e as GraphError {
            throw ExportError(.invalidArgument, "running '\(name)' failed: \(e.description)")
        } catch let e as TensorError {
            throw ExportError(.invalidArgument, "running '\(name)' failed: \(e.description)")
        }
        return outputs.map { ($0.name, results[$0.name]!) }
    }
}

/// Most bytes all of a model's values may take together at one batch size, as a multiple of
/// the one-tensor cap: the executor's arena is at most this large.
let maxValueBytesFactor = 4

extension BundleModel {
    /// Every value's shape under `bindings`, computed with overflow-checked arithmetic and
    /// within the tensor cap — before the executor evaluates them unchecked and sizes its arena.
    /// (The batch comes from an input file, the dimensions from the bundle.)
    func checkSizes(under bindings: [String: Int]) throws {
        let cap = ResourceLimits.current.maxTensorBytes
        let (scaled, capOverflow) = cap.multipliedReportingOverflow(by: maxValueBytesFactor)
        let budget = capOverflow ? Int.max : scaled
        var total = 0
        for (v, t) in graph.types.sorted(by: { $0.key < $1.key }) {
            var shape: [Int] = []
            for d in t.dims {
                guard let n = try? d.evaluate(bindings), n >= 0 else {
                    throw GraphError(op: "plan", "value \(v) of type \(t) has no valid size under \(bindings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", "))")
                }
                shape.append(n)
            }
            let bytes = try elementCount(shape, op: "plan") * t.dtype.byteSize
            let (sum, overflow) = total.addingReportingOverflow(bytes)
            guard !overflow, sum <= budget else {
                throw GraphError(op: "plan", "the model's values need more than \(ResourceLimits.describe(bytes: budget)) together at this batch size (\(maxValueBytesFactor) × DCL_MAX_TENSOR_BYTES)")
            }
            total = sum
        }
    }
}

extension BundleContents {
    /// Model `name`, ready to run from the bundle alone.
    public func model(named name: String) throws -> BundleModel {
        try BundleModel(contents: self, name: name)
    }
}
