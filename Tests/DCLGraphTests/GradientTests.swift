// Finite-difference gradient checks for every differentiable primitive, through autodiff, on
// odd shapes (not multiples of the 12×32 GEMM tile or the 16-lane vectors) and with broadcasting.

import Testing
import DCLTensor
@testable import DCLGraph

let positive: ClosedRange<Float> = 0.5...2

func labels(_ b: GraphBuilder, _ values: [Int32]) throws -> GraphValue {
    b.constant(try Tensor(shape: [values.count], ints: values))
}

let gradCases: [GradCase] = [
    // Binary, with broadcasting.
    GradCase(name: "add", inputs: [[3, 1, 5], [4, 5]]) { b, x in try b.add(x[0], x[1]) },
    GradCase(name: "sub", inputs: [[4, 5], [3, 1, 5]]) { b, x in try b.sub(x[0], x[1]) },
    GradCase(name: "mul", inputs: [[2, 3, 17], [3, 1]]) { b, x in try b.mul(x[0], x[1]) },
    GradCase(name: "div", inputs: [[5, 3], [3]], ranges: [1: positive]) { b, x in try b.div(x[0], x[1]) },
    GradCase(name: "maximum", inputs: [[4, 7], [7]]) { b, x in try b.maximum(x[0], x[1]) },
    GradCase(name: "minimum", inputs: [[4, 7], [4, 1]]) { b, x in try b.minimum(x[0], x[1]) },
    // Unary.
    GradCase(name: "neg", inputs: [[3, 5]]) { b, x in try b.neg(x[0]) },
    GradCase(name: "exp", inputs: [[17]]) { b, x in try b.exp(x[0]) },
    GradCase(name: "log", inputs: [[17]], range: positive) { b, x in try b.log(x[0]) },
    GradCase(name: "sqrt", inputs: [[3, 6]], range: positive) { b, x in try b.sqrt(x[0]) },
    GradCase(name: "pow3", inputs: [[2, 9]]) { b, x in try b.pow(x[0], 3) },
    GradCase(name: "pow-1.5", inputs: [[2, 9]], range: positive) { b, x in try b.pow(x[0], -1.5) },
    // Activations.
    GradCase(name: "relu", inputs: [[5, 19]]) { b, x in try b.relu(x[0]) },
    GradCase(name: "leaky_relu", inputs: [[5, 19]]) { b, x in try b.leakyRelu(x[0], slope: 0.1) },
    GradCase(name: "gelu", inputs: [[5, 19]], range: -3...3) { b, x in try b.gelu(x[0]) },
    GradCase(name: "sigmoid", inputs: [[5, 19]], range: -4...4) { b, x in try b.sigmoid(x[0]) },
    GradCase(name: "tanh", inputs: [[5, 19]], range: -2...2) { b, x in try b.tanh(x[0]) },
    // Matmul: all transpose combinations, batch broadcasting, fused bias + activations.
    GradCase(name: "matmul", inputs: [[3, 17], [17, 5]]) { b, x in try b.matmul(x[0], x[1]) },
    GradCase(name: "matmulTA", inputs: [[17, 3], [17, 5]]) { b, x in try b.matmul(x[0], x[1], transposeA: true) },
    GradCase(name: "matmulTB", inputs: [[3, 13], [5, 13]]) { b, x in try b.matmul(x[0], x[1], transposeB: true) },
    GradCase(name: "matmulTT", inputs: [[13, 3], [5, 13]]) { b, x in try b.matmul(x[0], x[1], transposeA: true, transposeB: true) },
    GradCase(name: "matmulBatched", inputs: [[2, 3, 4], [4, 33]]) { b, x in try b.matmul(x[0], x[1]) },
    GradCase(name: "matmulBiasRelu", inputs: [[4, 6], [6, 35], [35]], h: 1e-3) { b, x in try b.matmul(x[0], x[1], bias: x[2], activation: .relu) },
    GradCase(name: "matmulGelu", inputs: [[4, 6], [6, 5], [5]]) { b, x in try b.matmul(x[0], x[1], bias: x[2], activation: .gelu) },
    // Reductions and broadcast.
    GradCase(name: "reduce_sum", inputs: [[3, 4, 5]]) { b, x in try b.reduce(.sum, x[0], axes: [0, 2]) },
    GradCase(name: "reduce_mean", inputs: [[3, 4, 5]]) { b, x in try b.reduce(.mean, x[0], axes: [1], keepDims: true) },
    GradCase(name: "reduce_max", inputs: [[3, 4, 5]]) { b, x in try b.reduce(.max, x[0], axes: [2]) },
    GradCase(name: "broadcast_to", inputs: [[3, 1]]) { b, x in try b.broadcast(x[0], to: [2, 3, 4]) },
    // Softmax family.
    GradCase(name: "softmax", inputs: [[4, 19]], range: -3...3) { b, x in try b.softmax(x[0], axis: 1) },
    GradCase(name: "softmaxAxis0", inputs: [[5, 3]], range: -3...3) { b, x in try b.softmax(x[0], axis: 0) },
    GradCase(name: "log_softmax", inputs: [[4, 19]], range: -3...3) { b, x in try b.logSoftmax(x[0]) },
    GradCase(name: "log_softmaxAxis0", inputs: [[5, 3]], range: -3...3) { b, x in try b.logSoftmax(x[0], axis: 0) },
    // Layout.
    GradCase(name: "reshape", inputs: [[3, 4, 5]]) { b, x in try b.reshape(x[0], [12, 5]) },
    GradCase(name: "transpose", inputs: [[3, 4, 5]]) { b, x in try b.transpose(x[0], [2, 0, 1]) },
    GradCase(name: "concat", inputs: [[2, 3], [2, 1], [2, 4]]) { b, x in try b.concat(x, axis: 1) },
    GradCase(name: "slice", inputs: [[5, 4]]) { b, x in try b.slice(x[0], axis: 0, start: 1, size: 3) },
    GradCase(name: "pad", inputs: [[2, 3]]) { b, x in try b.apply1(Pad(axis: 1, start: 2, total: 7), [x[0]]) },
    GradCase(name: "shuffle", inputs: [[3, 12]]) { b, x in try b.shuffle(x[0], axis: 1, groups: 4) },
    // Gather / scatter.
    GradCase(name: "gather", inputs: [[7, 3]]) { b, x in try b.gather(x[0], try labels(b, [0, 6, 2, 2, 5])) },
    GradCase(name: "scatter_add", inputs: [[5, 3]]) { b, x in try b.apply1(ScatterAdd(rows: 7), [x[0], try labels(b, [0, 6, 2, 2, 5])]) },
    // Convolution.
    GradCase(name: "conv2d", inputs: [[2, 3, 7, 6], [4, 3, 3, 2], [4]]) { b, x in
        try b.conv2d(x[0], x[1], bias: x[2], params: Conv2DParams(stride: (2, 1), padding: (1, 1)))
    },
    GradCase(name: "conv2dDilatedGroups", inputs: [[1, 4, 7, 7], [6, 2, 2, 3]]) { b, x in
        try b.conv2d(x[0], x[1], params: Conv2DParams(padding: (1, 0), dilation: (2, 2), groups: 2))
    },
    GradCase(name: "conv2dDepthwise", inputs: [[2, 3, 6, 5], [6, 1, 3, 3], [6]]) { b, x in
        try b.conv2d(x[0], x[1], bias: x[2], params: Conv2DParams(stride: (1, 2), padding: (1, 1), groups: 3))
    },
    GradCase(name: "conv2dPointwiseRelu", inputs: [[2, 3, 4, 5], [5, 3, 1, 1], [5]], h: 1e-3) { b, x in
        try b.conv2d(x[0], x[1], bias: x[2], activation: .relu)
    },
    // Pooling.
    GradCase(name: "max_pool2d", inputs: [[2, 3, 6, 7]]) { b, x in try b.maxPool2d(x[0], kernel: (3, 2), stride: (2, 2), padding: (1, 1)) },
    GradCase(name: "max_pool2d2x2", inputs: [[2, 3, 5, 37]]) { b, x in try b.maxPool2d(x[0], kernel: (2, 2)) },
    GradCase(name: "avg_pool2d", inputs: [[2, 3, 6, 7]]) { b, x in try b.avgPool2d(x[0], kernel: (3, 3), stride: (2, 2), padding: (1, 1)) },
    GradCase(name: "global_avg_pool", inputs: [[2, 3, 4, 5]]) { b, x in try b.globalAvgPool(x[0]) },
    // Normalisation and dropout.
    GradCase(name: "batch_norm", inputs: [[4, 3, 2, 5], [3], [3]]) { b, x in
        let rm = b.constant(try Tensor(shape: [3], floats: [0.1, -0.2, 0.3])), rv = b.constant(try Tensor(shape: [3], floats: [1, 2, 0.5]))
        return try b.apply(BatchNorm(training: true), [x[0], x[1], x[2], rm, rv])[0]
    },
    GradCase(name: "batch_normEval", inputs: [[4, 3, 5], [3], [3]]) { b, x in
        let rm = b.constant(try Tensor(shape: [3], floats: [0.1, -0.2, 0.3])), rv = b.constant(try Tensor(shape: [3], floats: [1, 2, 0.5]))
        return try b.apply(BatchNorm(training: false), [x[0], x[1], x[2], rm, rv])[0]
    },
    GradCase(name: "layer_norm", inputs: [[4, 19], [19], [19]]) { b, x in try b.layerNorm(x[0], gamma: x[1], beta: x[2]) },
    GradCase(name: "dropout", inputs: [[6, 7]]) { b, x in try b.dropout(x[0], p: 0.3, seed: 11) },
    GradCase(name: "partitioned_linear", inputs: [[3, 8], [4, 3, 2]]) { b, x in try b.partitionedLinear(x[0], x[1]) },
    GradCase(name: "partitioned_linearGEMM", inputs: [[2, 3, 36], [2, 17, 18]]) { b, x in try b.partitionedLinear(x[0], x[1]) },
    // Losses.
    GradCase(name: "cross_entropy", inputs: [[5, 4]], range: -2...2) { b, x in
        try b.crossEntropy(x[0], try labels(b, [0, 3, 1, 1, 2]), smoothing: 0.1)
    },
    GradCase(name: "bce_with_logits", inputs: [[3, 5], [3, 5]], ranges: [0: -3...3, 1: 0...1]) { b, x in try b.bceWithLogits(x[0], x[1]) },
    GradCase(name: "mse", inputs: [[3, 5], [3, 5]]) { b, x in try b.mse(x[0], x[1]) },
    GradCase(name: "kl_distill", inputs: [[4, 6], [4, 6]], range: -2...2) { b, x in try b.klDistill(student: x[0], teacher: x[1], temperature: 2) },
    // Composite: ICIIA attention over a batch whose size sits in the middle of the shape.
    GradCase(name: "attention", inputs: [[5, 8], [8, 24]]) { b, x in
        let qkv = try b.split(try b.matmul(x[0], x[1]), axis: 1, sizes: [8, 8, 8])
        let heads = try qkv.map { try b.transpose(try b.reshape($0, [5, 2, 4]), [1, 0, 2]) }   // (2, 5, 4)
        let att = try b.softmax(try b.mul(try b.matmul(heads[0], heads[1], transposeB: true), b.scalar(0.5)), axis: 2)
        return try b.reshape(try b.transpose(try b.matmul(att, heads[2]), [1, 0, 2]), [5, 8])
    },
]

@Suite struct GradientTests {
    @Test(arguments: gradCases)
    func finiteDifferences(_ c: GradCase) throws {
        try checkGradient(c)
    }

    @Test func everyDifferentiableOpHasAGradientTest() throws {
        var covered = Set<String>()
        for c in gradCases { covered.formUnion(try opsUsed(c)) }
        let missing = Set(OpRegistry.names).subtracting(OpRegistry.nonDifferentiable).subtracting(covered)
        #expect(missing.isEmpty, "ops without a gradient test: \(missing.sorted())")
    }

    @Test func nonDifferentiableOpsRefuseGradients() throws {
        for name in OpRegistry.nonDifferentiable {
            let t = OpRegistry.type(named: name)!
            #expect(t is any NonDifferentiable.Type)
        }
        // stop_gradient cuts the path: no gradient reaches x.
        let b = GraphBuilder()
        let x = try b.input("x", .f32([3]))
        let loss = try b.reduce(.sum, try b.mul(try b.stopGradient(x), x), axes: [0])
        let g = try Autodiff.gradients(of: loss, wrt: [x], in: b)
        let out = try Executor(graph: { try b.output("g", g[x.id]!); return try b.finish() }())
            .run(inputs: ["x": try Tensor(shape: [3], floats: [1, 2, 3])], store: ParameterStore())
        #expect(out["g"]!.floats == [1, 2, 3])   // d/dx (c·x) with c = x held constant
    }

    @Test func frozenParametersGetNoGradientOrBackwardWork() throws {
        let b = GraphBuilder()
        let x = try b.input("x", TensorType(.float32, [.symbol("N"), 6]))
        let frozen = try b.parameter("backbone", shape: [6, 5], initializer: .normal(mean: 0, std: 1), trainable: false)
        let head = try b.parameter("head", shape: [5, 2], initializer: .normal(mean: 0, std: 1))
        let feat = try b.relu(try b.matmul(x, frozen))
        let loss = try b.reduce(.mean, try b.matmul(feat, head), axes: [0, 1])
        let (g, grads) = try Autodiff.parameterGradients(of: loss.id, in: try b.finish())
        #expect(Set(grads.keys) == ["head"])
        // No node of the backward pass computes anything for the frozen backbone: the only
        // backward matmul is feat^T · dY for the head (plus nothing flowing into relu).
        let backward = g.nodes.dropFirst(b.graph.nodes.count)
        #expect(!backward.contains { $0.opName == "activation_grad" })
        #expect(backward.filter { $0.opName == "matmul" }.count == 1)
    }
}
