// Optimiser update primitives (sgd_update, adam_update) and global_norm_scale (gradient
// clipping). Updates return the new parameter and state values; the training graph assigns them
// back, and the executor lets each output overwrite its input buffer in place.
//
// The learning rate comes from the schedule at the store's step count (`KernelIO.step`), so a
// graph holds its whole training recipe and a resumed run continues the schedule.

import DCLTensor

/// Copies `src` into `dst` unless they are the same buffer (the in-place case).
func copyIfNeeded(_ src: TensorRef, _ dst: TensorRef) {
    if src.data != dst.data { dst.data.copyMemory(from: src.data, byteCount: src.count * 4) }
}

/// SGD step. Inputs: param, grad, [momentum buffer if momentum ≠ 0], [grad scale if
/// `scaled`]. Outputs: new param, [new buffer].
public struct SGDUpdate: NonDifferentiable {
    public static let name = "sgd_update"
    public var schedule: LRSchedule
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    public var scaled: Bool

    public init(schedule: LRSchedule, momentum: Float, nesterov: Bool, weightDecay: Float, scaled: Bool) {
        self.schedule = schedule; self.momentum = momentum; self.nesterov = nesterov; self.weightDecay = weightDecay; self.scaled = scaled
    }

    public var attributes: [(String, AttributeValue)] {
        [("lr", .string(schedule.description)), ("momentum", .float(momentum)), ("nesterov", .bool(nesterov)),
         ("weight_decay", .float(weightDecay)), ("scaled", .bool(scaled))]
    }

    public init(attributes: Attributes) throws {
        guard let s = LRSchedule(parsing: try attributes.string("lr")) else { throw GraphError(op: Self.name, "invalid learning-rate schedule") }
        schedule = s
        momentum = try attributes.float("momentum"); nesterov = try attributes.bool("nesterov")
        weightDecay = try attributes.float("weight_decay"); scaled = try attributes.bool("scaled")
    }

    var hasBuffer: Bool { momentum != 0 }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        let n = 2 + (hasBuffer ? 1 : 0) + (scaled ? 1 : 0)
        try expectInputs(inputs, n...n)
        guard inputs[0] == inputs[1], inputs[0].dtype == .float32, !hasBuffer || inputs[2] == inputs[0] else {
            throw typeError("parameter, gradient and buffer must match", inputs)
        }
        if scaled { guard inputs[n - 1].isScalarLike else { throw typeError("the gradient scale must be a scalar", inputs) } }
        return hasBuffer ? [inputs[0], inputs[0]] : [inputs[0]]
    }

    public func inPlaceCandidates(forOutput k: Int) -> [Int] { k == 0 ? [0] : [2] }
    public var isFoldable: Bool { false }

    public func execute(_ io: KernelIO) throws {
        copyIfNeeded(io.inputs[0], io.outputs[0])
        if hasBuffer { copyIfNeeded(io.inputs[2], io.outputs[1]) }
        OptimizerKernels.sgd(param: io.outputs[0].floats, grad: io.inputs[1].f, buffer: hasBuffer ? io.outputs[1].floats : nil,
                             count: io.inputs[0].count, lr: schedule.rate(at: io.step), momentum: momentum, nesterov: nesterov,
                             weightDecay: weightDecay, gradScale: scaled ? io.inputs.last!.f[0] : 1, first: io.step == 0,
                             pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(4, s.count(input: 0))) }
}

/// Adam / AdamW step. Inputs: param, grad, m, v, [grad scale if `scaled`]. Outputs: param, m, v.
public struct AdamUpdate: NonDifferentiable {
    public static let name = "adam_update"
    public var schedule: LRSchedule
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// AdamW (decoupled weight decay) when true.
    public var decoupled: Bool
    public var scaled: Bool

    public init(schedule: LRSchedule, beta1: Float, beta2: Float, eps: Float, weightDecay: Float, decoupled: Bool, scaled: Bool) {
        self.schedule = schedule; self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        self.weightDecay = weightDecay; self.decoupled = decoupled; self.scaled = scaled
    }

    public var attributes: [(String, AttributeValue)] {
        [("lr", .string(schedule.description)), ("beta1", .float(beta1)), ("beta2", .float(beta2)), ("eps", .float(eps)),
         ("weight_decay", .float(weightDecay)), ("decoupled", .bool(decoupled)), ("scaled", .bool(scaled))]
    }

    public init(attributes: Attributes) throws {
        guard let s = LRSchedule(parsing: try attributes.string("lr")) else { throw GraphError(op: Self.name, "invalid learning-rate schedule") }
        schedule = s
        beta1 = try attributes.float("beta1"); beta2 = try attributes.float("beta2"); eps = try attributes.float("eps")
        weightDecay = try attributes.float("weight_decay"); decoupled = try attributes.bool("decoupled"); scaled = try attributes.bool("scaled")
    }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        let n = scaled ? 5 : 4
        try expectInputs(inputs, n...n)
        guard inputs[0].dtype == .float32, inputs[1] == inputs[0], inputs[2] == inputs[0], inputs[3] == inputs[0] else {
            throw typeError("parameter, gradient and moments must match", inputs)
        }
        if scaled { guard inputs[4].isScalarLike else { throw typeError("the gradient scale must be a scalar", inputs) } }
        return [inputs[0], inputs[0], inputs[0]]
    }

    public func inPlaceCandidates(forOutput k: Int) -> [Int] { [[0], [2], [3]][k] }
    public var isFoldable: Bool { false }

    public func execute(_ io: KernelIO) throws {
        copyIfNeeded(io.inputs[0], io.outputs[0])
        copyIfNeeded(io.inputs[2], io.outputs[1])
        copyIfNeeded(io.inputs[3], io.outputs[2])
        OptimizerKernels.adam(param: io.outputs[0].floats, grad: io.inputs[1].f, m: io.outputs[1].floats, v: io.outputs[2].floats,
                              count: io.inputs[0].count, lr: schedule.rate(at: io.step), step: io.step + 1, beta1: beta1,
                              beta2: beta2, eps: eps, weightDecay: weightDecay, decoupled: decoupled,
                              gradScale: scaled ? io.inputs[4].f[0] : 1, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(12, s.count(input: 0))) }
}

/// min(1, max_norm / (‖(g₁, …, gₙ)‖₂ + 1e-6)): the factor that clips gradients to a global norm.
public struct GlobalNormScale: NonDifferentiable {
    public static let name = "global_norm_scale"
    public var maxNorm: Float
    public init(maxNorm: Float) { self.maxNorm = maxNorm }
    public var attributes: [(String, AttributeValue)] { [("max_norm", .float(maxNorm))] }
    public init(attributes: Attributes) throws { maxNorm = try attributes.float("max_norm") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        guard !inputs.isEmpty, inputs.allSatisfy({ $0.dtype == .float32 }) else { throw typeError("needs float32 gradients", inputs) }
        return [.scalar]
    }

    public func execute(_ io: KernelIO) throws {
        io.outputs[0].floats[0] = OptimizerKernels.clipFactor(io.inputs.map { ($0.f, $0.count) }, maxNorm: maxNorm, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(2, saturatingSum(s.inputs.map { saturatingProduct($0) }))) }
}
