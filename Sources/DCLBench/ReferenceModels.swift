// Two small reference networks built through the GraphBuilder exactly as compiled scripts will
// be: the benchmarks (`dcl bench train`) and the end-to-end tests use them. Layers follow
// PyTorch's default initialisation (Kaiming-uniform with a = √5, bias U(±1/√fan_in)), and
// linear weights are stored (in, out) so the forward GEMM reads them untransposed.

import DCLGraph
import DCLTensor

/// Reference models for tests and benchmarks.
public enum ReferenceModels {
    /// A linear layer `x·W + b` with parameters `<name>.weight` (in, out) and `<name>.bias`.
    public static func linear(_ b: GraphBuilder, _ x: GraphValue, _ name: String, _ outFeatures: Int,
                              activation: Activation = .identity) throws -> GraphValue {
        guard let inFeatures = x.type.dims.last?.constant else {
            throw GraphError(op: "linear", "input \(x.type) needs a constant last axis")
        }
        let bound = 1 / Float(inFeatures).squareRoot()
        let w = try b.parameter("\(name).weight", shape: [inFeatures, outFeatures],
                                initializer: .kaimingUniform(fanIn: inFeatures, negativeSlope: Float(5).squareRoot()))
        let bias = try b.parameter("\(name).bias", shape: [outFeatures], initializer: .uniform(low: -bound, high: bound))
        let y = try b.add(try b.matmul(x, w, name: name), bias, name: "\(name).bias_add")
        return try b.activation(activation, y, name: "\(name).\(activation)")
    }

    /// A conv layer with parameters `<name>.weight` (cout, cin, k, k) and `<name>.bias`.
    public static func conv(_ b: GraphBuilder, _ x: GraphValue, _ name: String, _ outChannels: Int, kernel: Int,
                            activation: Activation = .identity) throws -> GraphValue {
        guard let c = x.type.dims[1].constant else { throw GraphError(op: "conv", "input \(x.type) needs constant channels") }
        let fanIn = c * kernel * kernel
        let bound = 1 / Float(fanIn).squareRoot()
        let w = try b.parameter("\(name).weight", shape: [outChannels, c, kernel, kernel],
                                initializer: .kaimingUniform(fanIn: fanIn, negativeSlope: Float(5).squareRoot()))
        let bias = try b.parameter("\(name).bias", shape: [outChannels], initializer: .uniform(low: -bound, high: bound))
        return try b.conv2d(x, w, bias: bias, activation: activation, name: name)
    }

    /// MLP 784-256-128-10 with ReLU on a (N, 784) input "x" and int32 labels "y"; outputs
    /// "logits" and "loss" (mean cross-entropy). Returns the graph and the loss value.
    public static func mlp(batch: Dim = .symbol("N")) throws -> (Graph, ValueID) {
        let b = GraphBuilder()
        let x = try b.input("x", TensorType(.float32, [batch, 784]))
        let y = try b.input("y", TensorType(.int32, [batch]))
        var h = try linear(b, x, "fc1", 256, activation: .relu)
        h = try linear(b, h, "fc2", 128, activation: .relu)
        let logits = try linear(b, h, "fc3", 10)
        let loss = try b.crossEntropy(logits, y, name: "loss")
        try b.output("logits", logits)
        try b.output("loss", loss)
        return (try b.finish(), loss.id)
    }

    /// LeNet-5 on (N, 1, 28, 28): conv5×5 6ch, maxpool 2, conv5×5 16ch, maxpool 2, fc 120, 84,
    /// 10 (valid convolutions, ReLU); outputs "logits" and "loss".
    public static func lenet(batch: Dim = .symbol("N")) throws -> (Graph, ValueID) {
        let b = GraphBuilder()
        let x = try b.input("x", TensorType(.float32, [batch, 1, 28, 28]))
        let y = try b.input("y", TensorType(.int32, [batch]))
        var h = try conv(b, x, "c1", 6, kernel: 5, activation: .relu)
        h = try b.maxPool2d(h, kernel: (2, 2), name: "p1")
        h = try conv(b, h, "c2", 16, kernel: 5, activation: .relu)
        h = try b.maxPool2d(h, kernel: (2, 2), name: "p2")
        h = try b.flatten(h, name: "flatten")
        h = try linear(b, h, "f1", 120, activation: .relu)
        h = try linear(b, h, "f2", 84, activation: .relu)
        let logits = try linear(b, h, "f3", 10)
        let loss = try b.crossEntropy(logits, y, name: "loss")
        try b.output("logits", logits)
        try b.output("loss", loss)
        return (try b.finish(), loss.id)
    }

    /// Pre-norm self-attention block `x + MHA(LN(x))` on (N, T, D) — bench-ref's `attn_fwdbwd`
    /// workload — with linear layers on the flattened (N·T, D) rows and heads moved next to the
    /// batch for the batched matmuls. Output "y"; returns the graph and the scalar
    /// `mean(y²)` used as the loss.
    public static func attentionBlock(seq: Int = 64, dim: Int = 128, heads: Int = 4, batch: Dim = .symbol("N")) throws -> (Graph, ValueID) {
        let b = GraphBuilder()
        let dh = dim / heads
        let x = try b.input("x", TensorType(.float32, [batch, Dim(seq), Dim(dim)]))
        let rows = try b.reshape(x, [batch * Dim(seq), Dim(dim)])
        let g = try b.parameter("ln.weight", shape: [dim], initializer: .ones)
        let be = try b.parameter("ln.bias", shape: [dim], initializer: .zeros)
        let h = try b.layerNorm(rows, gamma: g, beta: be, name: "ln")
        let qkv = try linear(b, h, "in_proj", 3 * dim)
        let parts = try b.split(qkv, axis: 1, sizes: [Dim(dim), Dim(dim), Dim(dim)])
        // (N·T, D) → (N, T, H, dh) → (N, H, T, dh)
        let heads4 = try parts.map { try b.transpose(try b.reshape($0, [batch, Dim(seq), Dim(heads), Dim(dh)]), [0, 2, 1, 3]) }
        let scores = try b.mul(try b.matmul(heads4[0], heads4[1], transposeB: true), b.scalar(1 / Float(dh).squareRoot()))
        let att = try b.softmax(scores, axis: 3)
        let ctx = try b.reshape(try b.transpose(try b.matmul(att, heads4[2]), [0, 2, 1, 3]), [batch * Dim(seq), Dim(dim)])
        let out = try linear(b, ctx, "out_proj", dim)
        let y = try b.reshape(try b.add(rows, out), [batch, Dim(seq), Dim(dim)])
        let loss = try b.reduce(.mean, try b.mul(y, y), axes: [0, 1, 2], name: "loss")
        try b.output("y", y)
        try b.output("loss", loss)
        return (try b.finish(), loss.id)
    }
}
