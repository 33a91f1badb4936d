// A bundle model described from its execution graph: the signature from the graph's inputs
// and outputs (each must be [N, …] with constant per-sample dimensions), the parameters from
// the weights the graph runs against, each weight's output-channel axis (for per-channel
// int8) read off the op that consumes it, the costs from the engine's cost model and static
// memory plan, and what narrowed weights do to the outputs.
//
// The output error exists so `dcl inspect` shows the accuracy cost of `quantize: f16 | int8`,
// not only each tensor's round-trip error: the model runs on one seeded probe batch with its
// float32 weights and with the weights as stored, and the float outputs are compared (max
// |y − ŷ|, relative to max |y|, and RMS). The probe is synthetic — float inputs uniform in
// [0, 1) (the range pixel data is scaled to), integer ids uniform over the smallest embedding
// table they index — so the numbers compare storage choices for one model; they do not replace
// evaluating on data.

import DCLGraph
import DCLTensor

extension ModelDescription {
    /// Describes `graph` with its weights (one tensor per graph parameter, by name). The graph
    /// text is the IR printer's, so `GraphParser` reads back exactly this graph.
    public init(name: String, graph: Graph, weights: [String: Tensor], metrics: ModelMetrics) throws {
        func signature(_ value: String, _ t: TensorType) throws -> TensorSignature {
            guard t.dims.first == Dim.symbol("N"), let sample = Array(t.dims.dropFirst()).map(\.constant) as? [Int] else {
                throw ExportError(.invalidArgument, "model '\(name)': '\(value)' has shape \(t); bundle signatures are [N, …] with constant per-sample dimensions")
            }
            return TensorSignature(name: value, sampleShape: sample, dtype: t.dtype)
        }
        let inputs = try graph.inputs.map { try signature($0.name, graph.type(of: $0.value)) }
        let outputs = try graph.outputs.map { try signature($0.name, graph.type(of: $0.value)) }
        let axes = graph.channelAxes()
        let parameters = try graph.parameters.map { p -> ModelParameter in
            guard let t = weights[p.name] else {
                throw ExportError(.invalidArgument, "model '\(name)': no tensor for parameter '\(p.name)'")
            }
            guard t.shape == p.shape, t.dtype == p.dtype else {
                throw ExportError(.invalidArgument, "model '\(name)': parameter '\(p.name)' is \(t.dtype.rawValue)\(formatShape(t.shape)), the graph expects \(p.type)")
            }
            return ModelParameter(name: p.name, tensor: t, channelAxis: axes[p.name])
        }
        self.init(name: name, graphText: GraphPrinter.print(graph), onnx: nil, inputs: inputs, outputs: outputs,
                  parameters: parameters, metrics: metrics)
    }
}

extension ModelMetrics {
    /// Measures `graph` with `batch` samples: trainable weights, FLOPs (a multiply-add counts 2)
    /// and peak bytes — every parameter and constant, the inputs, and the most activation bytes
    /// live at once under the static memory plan (running statistics count toward memory, not
    /// toward `params`).
    public init(measuring graph: Graph, batch: Int = 1) throws {
        let report = try CostReport.make(graph, bindings: ["N": batch])
        let weightBytes = graph.parameters.reduce(0) { $0 + $1.shape.reduce(1, *) * $1.dtype.byteSize }
        let constantBytes = graph.constants.reduce(0) { $0 + $1.tensor.byteCount }
        let inputBytes = try graph.inputs.reduce(0) { total, i in
            let t = graph.type(of: i.value)
            return total + (try t.shape(["N": batch])).reduce(1, *) * t.dtype.byteSize
        }
        self.init(params: report.trainableParameters, flopsPerSample: report.totalFlops,
                  peakMemoryBytes: weightBytes + constantBytes + inputBytes + report.peakActivationBytes)
    }
}

extension Graph {
    /// The output-channel axis of each weight, from the op reading it: 0 for conv kernels
    /// `[out, in, kh, kw]`, linear weights `[out, in]` (matmul with transpose_b) and embedding
    /// tables (one scale per row); 1 for `[in, out]` matmul operands. Other parameters (norm
    /// scales, block-diagonal weights) have none and quantise per tensor.
    public func channelAxes() -> [String: Int] {
        var axes: [String: Int] = [:]
        for n in nodes {
            switch n.op {
            case is Conv2DOp:
                if let p = parameterName(of: n.inputs[1]) { axes[p] = 0 }
            case let mm as MatMul where type(of: n.inputs[1]).rank == 2:
                if let p = parameterName(of: n.inputs[1]) { axes[p] = mm.transposeB ? 0 : 1 }
            case is GatherRows:
                if let p = parameterName(of: n.inputs[0]) { axes[p] = 0 }
            default:
                continue
            }
        }
        return axes
    }
}

/// The output error of narrowed weights, on a seeded probe batch.
public enum QuantizationProbe {
    /// Samples in the probe batch.
    public static let batch = 8

    /// The output error under `storage`, or nil for float32 storage or a model without float
    /// outputs.
    public static func outputError(_ graph: Graph, weights: [String: Tensor], storage: WeightStorage,
                                   channelAxes: [String: Int], seed: UInt64 = 0x5eed) throws -> QuantizationError? {
        if case .float32 = storage { return nil }
        let floatOutputs = graph.outputs.filter { graph.type(of: $0.value).dtype == .float32 }
        guard !floatOutputs.isEmpty else { return nil }
        let reference = ParameterStore(tensors: weights)
        let stored = ParameterStore()
        for (name, t) in weights {
            stored.tensors[name] = try StoredWeight(name: name, tensor: t, storage: storage, channelAxis: channelAxes[name]).restored()
        }
        let feeds = try probeInputs(graph, batch: batch, seed: seed)
        let executor = try Executor(graph: graph)
        let want = try executor.run(inputs: feeds, store: reference)
        let got = try executor.run(inputs: feeds, store: stored)
        var original: [Float] = [], restored: [Float] = []
        for o in floatOutputs {
            original += want[o.name]!.floats
            restored += got[o.name]!.floats
        }
        return QuantizationError(original: original, restored: restored)
    }

    /// Seeded inputs for every graph input at `batch` samples: floats uniform in [0, 1), ids
    /// uniform over the smallest embedding table they index.
    public static func probeInputs(_ graph: Graph, batch: Int, seed: UInt64) throws -> [String: Tensor] {
        var rng = SeededGenerator(seed: seed)
        var feeds: [String: Tensor] = [:]
        for input in graph.inputs {
            let t = graph.type(of: input.value)
            let shape = try t.shape(["N": batch])
            let n = shape.reduce(1, *)
            if t.dtype == .float32 {
                feeds[input.name] = try Tensor(shape: shape, floats: (0..<n).map { _ in rng.nextUnitFloat() })
            } else {
                let vocab = max(1, tableRows(indexedBy: input.value, graph) ?? 1)
                feeds[input.name] = try Tensor(shape: shape, ints: (0..<n).map { _ in Int32(Int(rng.nextUnitFloat() * Float(vocab)) % vocab) })
            }
        }
        return feeds
    }

    /// Rows of the smallest table a gather reads with `ids`.
    static func tableRows(indexedBy ids: ValueID, _ graph: Graph) -> Int? {
        graph.nodes.filter { $0.op is GatherRows && $0.inputs[1] == ids }
            .compactMap { graph.type(of: $0.inputs[0]).dims.first?.constant }.min()
    }
}
