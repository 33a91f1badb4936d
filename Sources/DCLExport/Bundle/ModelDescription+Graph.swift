// A bundle model described from its execution graph: the signature from the graph's inputs
// and outputs (each must be [N, …] with constant per-sample dimensions), the parameters from
// the weights the graph runs against, each weight's output-channel axis (for per-channel
// int8) read off the op that consumes it, and the costs from the engine's cost model and
// static memory plan.

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
