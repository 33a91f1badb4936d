// batch_norm (training and inference), layer_norm, their backward primitives, and dropout.
//
// Training-mode batch_norm returns the new running statistics as outputs 3 and 4; the builder's
// `batchNorm` assigns them to the running-statistics parameters, so state updates stay explicit
// dataflow. Its saved batch mean and 1/σ (outputs 1 and 2) feed the backward.

import DCLTensor

/// Batch normalisation over (N, C, …) per channel C. Inputs: x, γ, β, running mean, running var.
public struct BatchNorm: Primitive {
    public static let name = "batch_norm"
    public var training: Bool
    public var momentum: Float
    public var eps: Float
    public init(training: Bool, momentum: Float = 0.1, eps: Float = 1e-5) {
        self.training = training; self.momentum = momentum; self.eps = eps
    }
    public var attributes: [(String, AttributeValue)] { [("training", .bool(training)), ("momentum", .float(momentum)), ("eps", .float(eps))] }
    public init(attributes: Attributes) throws {
        training = try attributes.bool("training"); momentum = try attributes.float("momentum"); eps = try attributes.float("eps")
    }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 5...5)
        for i in 0..<5 { try expectDType(inputs, i, .float32) }
        guard inputs[0].rank >= 2, let c = inputs[0].dims[1].constant else { throw typeError("input must be (N, C, …) with constant C", inputs) }
        for i in 1..<5 where inputs[i].dims != [Dim(c)] { throw typeError("γ, β and running statistics must be [\(c)]", inputs) }
        let stat = TensorType.f32([c])
        return training ? [inputs[0], stat, stat, stat, stat] : [inputs[0]]
    }

    public func isDifferentiable(input i: Int, types: [TensorType]) -> Bool { i < 3 }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0], g = io.inputs[1].f, b = io.inputs[2].f, rm = io.inputs[3].f, rv = io.inputs[4].f
        if training {
            let o = io.outputs
            Normalization.batchNormTrain(x.f, shape: x.shape, gamma: g, beta: b, runningMean: rm, runningVar: rv,
                                         momentum: momentum, eps: eps, y: o[0].floats, mean: o[1].floats, invStd: o[2].floats,
                                         newRunningMean: o[3].floats, newRunningVar: o[4].floats, pool: io.pool)
        } else {
            Normalization.batchNormEval(x.f, shape: x.shape, gamma: g, beta: b, runningMean: rm, runningVar: rv, eps: eps,
                                        y: io.outputs[0].floats, pool: io.pool)
        }
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        if c.cotangents.count > 1 && c.cotangents[1...].contains(where: { $0 != nil }) {
            throw GraphError(op: Self.name, "gradients through batch statistics are not supported")
        }
        let grad = BatchNormGrad(training: training, eps: eps)
        let stats = training ? [c.outputs[1], c.outputs[2]] : [c.inputs[3], c.inputs[4]]
        let r = try c.builder.apply(grad, [c.inputs[0], try c.cotangent, c.inputs[1]] + stats)
        return [c.needsGradient[0] ? r[0] : nil, c.needsGradient[1] ? r[1] : nil, c.needsGradient[2] ? r[2] : nil, nil, nil]
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct((training ? 7 : 2), s.count(input: 0))) }
}

/// Backward of batch_norm: (x, dy, γ, mean, invStd) in training mode or (x, dy, γ, running
/// mean, running var) in inference mode → (dx, dγ, dβ).
public struct BatchNormGrad: NonDifferentiable {
    public static let name = "batch_norm_grad"
    public var training: Bool
    public var eps: Float
    public init(training: Bool, eps: Float) { self.training = training; self.eps = eps }
    public var attributes: [(String, AttributeValue)] { [("training", .bool(training)), ("eps", .float(eps))] }
    public init(attributes: Attributes) throws { training = try attributes.bool("training"); eps = try attributes.float("eps") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 5...5)
        guard inputs[0] == inputs[1], inputs[0].rank >= 2, let c = inputs[0].dims[1].constant,
              inputs[2...].allSatisfy({ $0.dims == [Dim(c)] }) else { throw typeError("shapes do not match batch_norm", inputs) }
        return [inputs[0], .f32([c]), .f32([c])]
    }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0], c = io.inputs[2].count
        var invStd = [Float](repeating: 0, count: c)
        if training {
            for i in 0..<c { invStd[i] = io.inputs[4].f[i] }
        } else {
            for i in 0..<c { invStd[i] = 1 / (io.inputs[4].f[i] + eps).squareRoot() }
        }
        invStd.withUnsafeBufferPointer { inv in
            Normalization.batchNormBackward(x.f, dy: io.inputs[1].f, shape: x.shape, gamma: io.inputs[2].f, mean: io.inputs[3].f,
                                            invStd: inv.baseAddress!, training: training, dx: io.outputs[0].floats,
                                            dGamma: io.outputs[1].floats, dBeta: io.outputs[2].floats, pool: io.pool)
        }
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(8, s.count(input: 0))) }
}

/// Layer normalisation over the last axis. Inputs: x, γ, β → (y, mean, invStd).
public struct LayerNorm: Primitive {
    public static let name = "layer_norm"
    public var eps: Float
    public init(eps: Float = 1e-5) { self.eps = eps }
    public var attributes: [(String, AttributeValue)] { [("eps", .float(eps))] }
    public init(attributes: Attributes) throws { eps = try attributes.float("eps") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 3...3)
        for i in 0..<3 { try expectDType(inputs, i, .float32) }
        guard let d = inputs[0].dims.last, inputs[1].dims == [d], inputs[2].dims == [d] else {
            throw typeError("γ and β must match the last axis", inputs)
        }
        let stat = TensorType(.float32, Array(inputs[0].dims.dropLast()))
        return [inputs[0], stat, stat]
    }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0], d = x.shape.last!
        Normalization.layerNorm(x.f, rows: x.count / max(1, d), d: d, gamma: io.inputs[1].f, beta: io.inputs[2].f, eps: eps,
                                y: io.outputs[0].floats, mean: io.outputs[1].floats, invStd: io.outputs[2].floats, pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        if c.cotangents[1...].contains(where: { $0 != nil }) {
            throw GraphError(op: Self.name, "gradients through normalisation statistics are not supported")
        }
        let r = try c.builder.apply(LayerNormGrad(), [c.inputs[0], try c.cotangent, c.inputs[1], c.outputs[1], c.outputs[2]])
        return [c.needsGradient[0] ? r[0] : nil, c.needsGradient[1] ? r[1] : nil, c.needsGradient[2] ? r[2] : nil]
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(8, s.count(input: 0))) }
}

/// Backward of layer_norm: (x, dy, γ, mean, invStd) → (dx, dγ, dβ).
public struct LayerNormGrad: NonDifferentiable {
    public static let name = "layer_norm_grad"
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 5...5)
        guard inputs[0] == inputs[1], let d = inputs[0].dims.last, inputs[2].dims == [d] else {
            throw typeError("shapes do not match layer_norm", inputs)
        }
        return [inputs[0], inputs[2], inputs[2]]
    }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0], d = x.shape.last!
        Normalization.layerNormBackward(x.f, dy: io.inputs[1].f, rows: x.count / max(1, d), d: d, gamma: io.inputs[2].f,
                                        mean: io.inputs[3].f, invStd: io.inputs[4].f, dx: io.outputs[0].floats,
                                        dGamma: io.outputs[1].floats, dBeta: io.outputs[2].floats, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(10, s.count(input: 0))) }
}

/// Inverted dropout with a seeded mask: (x) → (y, mask). The mask depends on (seed, training
/// step, element index) only.
public struct DropoutOp: Primitive {
    public static let name = "dropout"
    public var p: Float
    public var seed: Int
    public init(p: Float, seed: Int) { self.p = p; self.seed = seed }
    public var attributes: [(String, AttributeValue)] { [("p", .float(p)), ("seed", .int(seed))] }
    public init(attributes: Attributes) throws { p = try attributes.float("p"); seed = try attributes.int("seed") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        try expectDType(inputs, 0, .float32)
        guard p >= 0, p < 1 else { throw typeError("p = \(p) must be in [0, 1)", inputs) }
        return [inputs[0], inputs[0]]
    }

    public var isFoldable: Bool { false }

    public func execute(_ io: KernelIO) throws {
        Dropout.forward(io.inputs[0].f, io.outputs[0].floats, mask: io.outputs[1].floats, count: io.inputs[0].count, p: p,
                        seed: UInt64(bitPattern: Int64(seed)), step: UInt64(io.step), pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        if c.cotangents[1] != nil { throw GraphError(op: Self.name, "the dropout mask has no gradient") }
        return [try c.builder.mul(try c.cotangent, c.outputs[1])]
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(3, s.count(input: 0))) }
}

extension GraphBuilder {
    /// Batch norm over the channel axis 1 with parameters `<prefix>.weight`, `.bias`,
    /// `.running_mean`, `.running_var` (created if missing). In training mode the running
    /// statistics are updated through assignments.
    public func batchNorm(_ x: GraphValue, prefix: String, training: Bool, momentum: Float = 0.1, eps: Float = 1e-5,
                          name: String? = nil) throws -> GraphValue {
        guard x.type.rank >= 2, let c = x.type.dims[1].constant else {
            throw GraphError(op: BatchNorm.name, "input must be (N, C, …) with constant C, got \(x.type)", node: name, origin: origin)
        }
        let shape = [c]
        func param(_ suffix: String, _ initial: Initializer, _ trainable: Bool) throws -> GraphValue {
            try existingOrNewParameter(joinedName(prefix, suffix), shape: shape, initializer: initial, trainable: trainable)
        }
        let g = try param(".weight", .ones, true), b = try param(".bias", .zeros, true)
        let rm = try param(".running_mean", .zeros, false), rv = try param(".running_var", .ones, false)
        let outs = try apply(BatchNorm(training: training, momentum: momentum, eps: eps), [x, g, b, rm, rv], name: name)
        if training {
            try assign(joinedName(prefix, ".running_mean"), outs[3])
            try assign(joinedName(prefix, ".running_var"), outs[4])
        }
        return outs[0]
    }

    /// Layer norm over the last axis.
    public func layerNorm(_ x: GraphValue, gamma: GraphValue, beta: GraphValue, eps: Float = 1e-5, name: String? = nil) throws -> GraphValue {
        try apply1(LayerNorm(eps: eps), [x, gamma, beta], name: name)
    }

    /// Inverted dropout (training graphs only; leave it out for inference).
    public func dropout(_ x: GraphValue, p: Float, seed: Int, name: String? = nil) throws -> GraphValue {
        if p == 0 { return x }
        return try apply1(DropoutOp(p: p, seed: seed), [x], name: name)
    }
}
