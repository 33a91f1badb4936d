// One small graph per exportable primitive (several for ops with distinct ONNX paths: Gemm vs
// batched MatMul, symbolic reshapes, depthwise convolution …), built with the engine's
// GraphBuilder, run by the engine's Executor for the expected outputs, and lowered to ONNX.
// `LoweringCrossCheckTests` hands them to Tests/python/check_onnx.py (onnx.checker + ONNX
// Runtime); `ONNXLoweringTests` checks every exportable op has at least one case.

import DCLData
import DCLGraph
import DCLTensor
@testable import DCLExport

/// One lowered graph with its inputs and the engine's outputs.
struct LoweringCase {
    var name: String
    var graph: Graph
    var onnx: [UInt8]
    var inputs: [Tensor]
    var expected: [Tensor]
    /// Primitive names the graph uses.
    var ops: Set<String> { Set(graph.nodes.map(\.opName)) }
}

/// How a case's random inputs are drawn.
enum InputKind {
    case float(ClosedRange<Float>)
    case ids(Int)
}

private let batch = 3
private let n = Dim.symbol("N")

/// Builds, runs and lowers one case graph.
func loweringCase(_ name: String, _ inputs: [(String, [Dim], InputKind)], seed: UInt64 = 1,
                  storage: WeightStorage = .float32,
                  _ body: (GraphBuilder, [GraphValue]) throws -> [GraphValue]) throws -> LoweringCase {
    let b = GraphBuilder()
    var values: [GraphValue] = []
    for (k, dims, kind) in inputs {
        let dtype: DType = { if case .ids = kind { return .int32 }; return .float32 }()
        values.append(try b.input(k, TensorType(dtype, [n] + dims)))
    }
    let outs = try body(b, values)
    for (i, o) in outs.enumerated() { try b.output(outs.count == 1 ? "output" : "output\(i)", o) }
    let graph = try b.finish()
    let store = ParameterStore()
    try store.initialize(graph, seed: seed)
    // Stored weights as the bundle would hold them, so the expectation matches the ONNX file.
    for p in graph.parameters where p.dtype == .float32 {
        store.tensors[p.name] = try StoredWeight(name: p.name, tensor: store.tensors[p.name]!, storage: storage,
                                                 channelAxis: graph.channelAxes()[p.name]).restored()
    }
    var rng = SeededGenerator(seed: seed &+ 99)
    var feeds: [String: Tensor] = [:], ordered: [Tensor] = []
    for (k, dims, kind) in inputs {
        let shape = [batch] + dims.map { $0.constant! }
        let count = shape.reduce(1, *)
        let t: Tensor
        switch kind {
        case .float(let r):
            t = try Tensor(shape: shape, floats: (0..<count).map { _ in r.lowerBound + rng.nextUnitFloat() * (r.upperBound - r.lowerBound) })
        case .ids(let vocab):
            t = try Tensor(shape: shape, ints: (0..<count).map { _ in Int32(Int(rng.nextUnitFloat() * Float(vocab)) % vocab) })
        }
        feeds[k] = t
        ordered.append(t)
    }
    let results = try Executor(graph: graph).run(inputs: feeds, store: store)
    let description = try ModelDescription(name: name, graph: graph, weights: store.tensors,
                                           metrics: try ModelMetrics(measuring: graph))
    let onnx = try ONNXLowering.export(graph, model: description, weightStorage: storage, producerVersion: "test")
    return LoweringCase(name: name, graph: graph, onnx: onnx, inputs: ordered, expected: graph.outputs.map { results[$0.name]! })
}

/// A trainable parameter with a uniform initializer.
private func param(_ b: GraphBuilder, _ name: String, _ shape: [Int], _ lo: Float = -1, _ hi: Float = 1) throws -> GraphValue {
    try b.parameter(name, shape: shape, initializer: .uniform(low: lo, high: hi))
}

private let unit: InputKind = .float(-1...1)
private let positive: InputKind = .float(0.5...2)

/// Every case, named after the op (and variant) it exercises.
func allLoweringCases() throws -> [LoweringCase] {
    var cases: [LoweringCase] = []
    func add(_ name: String, _ inputs: [(String, [Dim], InputKind)], _ body: (GraphBuilder, [GraphValue]) throws -> [GraphValue]) throws {
        cases.append(try loweringCase(name, inputs, body))
    }
    let x4: [(String, [Dim], InputKind)] = [("x", [4], unit)]
    let xy: [(String, [Dim], InputKind)] = [("x", [4], unit), ("y", [4], unit)]

    // Elementwise.
    try add("add", x4) { b, v in [try b.add(v[0], try param(b, "bias", [4]))] }
    try add("sub", xy) { b, v in [try b.sub(v[0], v[1])] }
    try add("mul", x4) { b, v in [try b.mul(v[0], try param(b, "scale", [1, 4]))] }
    try add("div", x4) { b, v in [try b.div(v[0], try param(b, "divisor", [4], 1, 2))] }
    try add("maximum", xy) { b, v in [try b.maximum(v[0], v[1])] }
    try add("minimum", xy) { b, v in [try b.minimum(v[0], v[1])] }
    try add("equal", x4) { b, v in [try b.equal(v[0], try b.maximum(v[0], b.scalar(0)))] }
    try add("neg", x4) { b, v in [try b.neg(v[0])] }
    try add("exp", x4) { b, v in [try b.exp(v[0])] }
    try add("log", [("x", [4], positive)]) { b, v in [try b.log(v[0])] }
    try add("sqrt", [("x", [4], positive)]) { b, v in [try b.sqrt(v[0])] }
    try add("pow", [("x", [4], positive)]) { b, v in [try b.pow(v[0], 2.5)] }
    try add("relu", x4) { b, v in [try b.relu(v[0])] }
    try add("leaky_relu", x4) { b, v in [try b.leakyRelu(v[0], slope: 0.2)] }
    try add("gelu", [("x", [6], .float(-3...3))]) { b, v in [try b.gelu(v[0])] }
    try add("sigmoid", x4) { b, v in [try b.sigmoid(v[0])] }
    try add("tanh", x4) { b, v in [try b.tanh(v[0])] }
    try add("stop_gradient", x4) { b, v in [try b.stopGradient(v[0])] }

    // Matrix products.
    try add("matmul_gemm_bias_relu", [("x", [5], unit)]) { b, v in
        [try b.matmul(v[0], try param(b, "fc.weight", [3, 5]), transposeB: true, bias: try param(b, "fc.bias", [3]), activation: .relu)]
    }
    try add("matmul_gemm_transpose_a", [("x", [5], unit)]) { b, v in
        // (x ⊗ row) is [N, 5, 1] … kept rank 2: xᵀ-free Gemm with transA on a square weight.
        [try b.matmul(try param(b, "w", [5, 5]), try b.transpose(v[0], [1, 0]), transposeA: true).transposedBack(b)]
    }
    try add("matmul_batched_transpose_b", [("q", [2, 3, 4], unit), ("k", [2, 5, 4], unit)]) { b, v in
        [try b.matmul(v[0], v[1], transposeB: true)]
    }
    try add("matmul_batched_bias_gelu", [("x", [4, 3], unit)]) { b, v in
        [try b.matmul(v[0], try param(b, "w", [4, 5]), transposeA: true, bias: try param(b, "bias", [5]), activation: .gelu)]
    }
    try add("partitioned_linear", [("x", [8], unit)]) { b, v in [try b.partitionedLinear(v[0], try param(b, "w", [2, 3, 4]))] }
    try add("partitioned_linear_rank3", [("x", [5, 8], unit)]) { b, v in [try b.partitionedLinear(v[0], try param(b, "w", [4, 2, 2]))] }

    // Reductions, broadcasting, dimensions, softmax.
    try add("reduce_sum", [("x", [3, 4], unit)]) { b, v in [try b.reduce(.sum, v[0], axes: [1])] }
    try add("reduce_mean", [("x", [3, 4], unit)]) { b, v in [try b.reduce(.mean, v[0], axes: [1, 2], keepDims: true)] }
    try add("reduce_max", [("x", [3, 4], unit)]) { b, v in [try b.reduce(.max, v[0], axes: [-1])] }
    try add("broadcast_to", [("x", [1, 4], unit)]) { b, v in [try b.broadcast(v[0], to: [n, 3, 4])] }
    try add("dim_value", x4) { b, v in [try b.mul(v[0], try b.apply1(DimValue(dim: n * Dim(2) + Dim(1)), []))] }
    try add("softmax", [("x", [3, 4], unit)]) { b, v in [try b.softmax(v[0], axis: 1)] }
    try add("log_softmax", [("x", [3, 4], unit)]) { b, v in [try b.logSoftmax(v[0], axis: -1)] }

    // Layout.
    try add("reshape", [("x", [2, 6], unit)]) { b, v in [try b.reshape(v[0], [n, 3, 4])] }
    try add("reshape_symbolic", x4) { b, v in
        let folded = try b.reshape(v[0], [n * Dim(2), 2])
        return [try b.reshape(try b.relu(folded), [n, 4])]
    }
    try add("transpose", [("x", [2, 3], unit)]) { b, v in [try b.transpose(v[0], [0, 2, 1])] }
    try add("concat", [("x", [2], unit), ("y", [3], unit)]) { b, v in [try b.concat([v[0], v[1]], axis: 1)] }
    try add("slice", [("x", [5], unit)]) { b, v in [try b.slice(v[0], axis: 1, start: 1, size: 3)] }
    try add("pad", x4) { b, v in [try b.apply1(Pad(axis: 1, start: 1, total: 6), [v[0]])] }
    try add("shuffle", [("x", [6], unit)]) { b, v in [try b.shuffle(v[0], axis: 1, groups: 2)] }
    try add("shuffle_rank3", [("x", [2, 6], unit)]) { b, v in [try b.shuffle(v[0], axis: 2, groups: 3)] }
    try add("gather", [("ids", [], .ids(10))]) { b, v in [try b.gather(try param(b, "table", [10, 3]), v[0])] }
    try add("gather_rank2", [("ids", [2], .ids(7))]) { b, v in [try b.gather(try param(b, "table", [7, 3]), v[0])] }

    // Convolution, pooling, normalisation.
    let image: [(String, [Dim], InputKind)] = [("image", [2, 6, 6], unit)]
    try add("conv2d", image) { b, v in
        [try b.conv2d(v[0], try param(b, "w", [4, 2, 3, 3]), bias: try param(b, "b", [4]),
                      params: Conv2DParams(stride: (2, 2), padding: (1, 1)), activation: .relu)]
    }
    try add("conv2d_depthwise_dilated", image) { b, v in
        [try b.conv2d(v[0], try param(b, "w", [4, 1, 3, 3]), params: Conv2DParams(padding: (2, 2), dilation: (2, 2), groups: 2))]
    }
    try add("max_pool2d", image) { b, v in [try b.maxPool2d(v[0], kernel: (2, 2))] }
    try add("max_pool2d_padded", image) { b, v in [try b.maxPool2d(v[0], kernel: (3, 3), stride: (2, 2), padding: (1, 1))] }
    try add("avg_pool2d", image) { b, v in [try b.avgPool2d(v[0], kernel: (3, 3), stride: (1, 1), padding: (1, 1))] }
    try add("batch_norm", image) { b, v in
        [try b.apply(BatchNorm(training: false, eps: 1e-3), [v[0], try param(b, "bn.weight", [2]), try param(b, "bn.bias", [2]),
                                                             try param(b, "bn.mean", [2]), try param(b, "bn.var", [2], 0.5, 1.5)])[0]]
    }
    try add("layer_norm", [("x", [3, 8], unit)]) { b, v in
        [try b.layerNorm(v[0], gamma: try param(b, "ln.weight", [8]), beta: try param(b, "ln.bias", [8]))]
    }
    try add("layer_norm_stats", [("x", [8], unit)]) { b, v in
        let r = try b.apply(LayerNorm(eps: 1e-5), [v[0], try param(b, "ln.weight", [8]), try param(b, "ln.bias", [8])])
        return [r[0], r[1], r[2]]
    }

    // Selection (CoDA's retrieval index).
    try add("cosine_similarity", x4) { b, v in [try b.cosineSimilarity(v[0], try param(b, "pool", [6, 4]))] }
    try add("top_k", [("x", [6], unit)]) { b, v in
        let r = try b.topK(v[0], k: 3)
        return [r.values, r.indices]
    }
    try add("argmax", [("x", [5], unit)]) { b, v in [try b.argmax(v[0], axis: 1)] }

    // Storage: the weights reach ONNX through Cast / DequantizeLinear.
    for (label, storage) in [("f16", WeightStorage.float16), ("int8", .int8(perChannel: true))] {
        cases.append(try loweringCase("quantized_\(label)", [("x", [5], unit)], storage: storage) { b, v in
            let h = try b.matmul(v[0], try param(b, "fc1.weight", [6, 5]), transposeB: true, bias: try param(b, "fc1.bias", [6]), activation: .relu)
            return [try b.matmul(h, try param(b, "fc2.weight", [2, 6]), transposeB: true)]
        })
    }
    return cases
}

private extension GraphValue {
    /// (w · xᵀ)ᵀ = x · wᵀ: brings a transposed product back to [N, …].
    func transposedBack(_ b: GraphBuilder) throws -> GraphValue { try b.transpose(self, [1, 0]) }
}
