// Loss primitives (mean-reduced float32 scalars): cross_entropy (with label smoothing),
// bce_with_logits, mse, kl_distill; and the backward primitives that are worth a kernel.

import DCLTensor

/// Number of elements of a value as a graph scalar (a constant unless symbolic).
func elementCountValue(_ b: GraphBuilder, _ v: GraphValue) throws -> GraphValue {
    try b.dimValue(v.type.elementCount)
}

/// mean_n CE(softmax(logits_n), q_n), q = (1-ε)·onehot(label) + ε/C. logits (N, C), labels i32 (N).
public struct CrossEntropy: Primitive {
    public static let name = "cross_entropy"
    public var smoothing: Float
    public init(smoothing: Float = 0) { self.smoothing = smoothing }
    public var attributes: [(String, AttributeValue)] { [("smoothing", .float(smoothing))] }
    public init(attributes: Attributes) throws { smoothing = try attributes.float("smoothing") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        try expectDType(inputs, 0, .float32)
        try expectDType(inputs, 1, .int32)
        guard inputs[0].rank == 2, inputs[1].dims == [inputs[0].dims[0]] else { throw typeError("logits must be (N, C) and labels (N)", inputs) }
        return [.scalar]
    }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0]
        io.outputs[0].floats[0] = try Losses.crossEntropy(x.f, labels: UnsafePointer(io.inputs[1].ints), rows: x.shape[0],
                                                          classes: x.shape[1], smoothing: smoothing, pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        [try c.builder.apply1(CrossEntropyGrad(smoothing: smoothing), [c.inputs[0], c.inputs[1], try c.cotangent]), nil]
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(14, s.count(input: 0))) }
}

/// Backward of cross_entropy: (logits, labels, dLoss) → dlogits.
public struct CrossEntropyGrad: NonDifferentiable {
    public static let name = "cross_entropy_grad"
    public var smoothing: Float
    public init(smoothing: Float) { self.smoothing = smoothing }
    public var attributes: [(String, AttributeValue)] { [("smoothing", .float(smoothing))] }
    public init(attributes: Attributes) throws { smoothing = try attributes.float("smoothing") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 3...3)
        _ = try CrossEntropy(smoothing: smoothing).inferTypes(Array(inputs[0...1]))
        guard inputs[2].isScalarLike else { throw typeError("the loss cotangent must be a scalar", inputs) }
        return [inputs[0]]
    }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0]
        try Losses.crossEntropyBackward(x.f, labels: UnsafePointer(io.inputs[1].ints), rows: x.shape[0], classes: x.shape[1],
                                        smoothing: smoothing, dLoss: io.inputs[2].f[0], dx: io.outputs[0].floats, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(14, s.count(input: 0))) }
}

/// mean(max(x,0) - x·t + log(1 + e^-|x|)) for logits x and float targets t of the same shape.
public struct BCEWithLogits: Primitive {
    public static let name = "bce_with_logits"
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        guard inputs[0] == inputs[1], inputs[0].dtype == .float32 else { throw typeError("logits and targets must match", inputs) }
        return [.scalar]
    }

    public func execute(_ io: KernelIO) throws {
        io.outputs[0].floats[0] = Losses.bceWithLogits(io.inputs[0].f, io.inputs[1].f, count: io.inputs[0].count, pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let b = c.builder, x = c.inputs[0], t = c.inputs[1]
        let scale = try b.div(try c.cotangent, try elementCountValue(b, x))
        let dx = c.needsGradient[0] ? try b.mul(try b.sub(try b.sigmoid(x), t), scale) : nil
        let dt = c.needsGradient[1] ? try b.mul(try b.neg(x), scale) : nil
        return [dx, dt]
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(24, s.count(input: 0))) }
}

/// mean((a - b)²).
public struct MSE: Primitive {
    public static let name = "mse"
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        guard inputs[0] == inputs[1], inputs[0].dtype == .float32 else { throw typeError("operands must match", inputs) }
        return [.scalar]
    }

    public func execute(_ io: KernelIO) throws {
        io.outputs[0].floats[0] = Losses.mse(io.inputs[0].f, io.inputs[1].f, count: io.inputs[0].count, pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let b = c.builder
        let scale = try b.div(try b.mul(try c.cotangent, b.scalar(2)), try elementCountValue(b, c.inputs[0]))
        let d = try b.mul(try b.sub(c.inputs[0], c.inputs[1]), scale)
        return [c.needsGradient[0] ? d : nil, c.needsGradient[1] ? try b.neg(d) : nil]
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(3, s.count(input: 0))) }
}

/// T²·mean_n KL(softmax(t_n/T) ‖ softmax(s_n/T)) for student logits s and teacher logits t (N, C).
public struct KLDistill: Primitive {
    public static let name = "kl_distill"
    public var temperature: Float
    public init(temperature: Float) { self.temperature = temperature }
    public var attributes: [(String, AttributeValue)] { [("temperature", .float(temperature))] }
    public init(attributes: Attributes) throws { temperature = try attributes.float("temperature") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        guard inputs[0] == inputs[1], inputs[0].rank == 2, inputs[0].dtype == .float32 else {
            throw typeError("student and teacher logits must both be (N, C)", inputs)
        }
        guard temperature > 0 else { throw typeError("temperature must be positive", inputs) }
        return [.scalar]
    }

    public func execute(_ io: KernelIO) throws {
        let s = io.inputs[0]
        io.outputs[0].floats[0] = Losses.klDistill(student: s.f, teacher: io.inputs[1].f, rows: s.shape[0], classes: s.shape[1],
                                                   temperature: temperature, pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let r = try c.builder.apply(KLDistillGrad(temperature: temperature), [c.inputs[0], c.inputs[1], try c.cotangent])
        return [c.needsGradient[0] ? r[0] : nil, c.needsGradient[1] ? r[1] : nil]
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(40, s.count(input: 0))) }
}

/// Backward of kl_distill: (s, t, dLoss) → (ds, dt).
public struct KLDistillGrad: NonDifferentiable {
    public static let name = "kl_distill_grad"
    public var temperature: Float
    public init(temperature: Float) { self.temperature = temperature }
    public var attributes: [(String, AttributeValue)] { [("temperature", .float(temperature))] }
    public init(attributes: Attributes) throws { temperature = try attributes.float("temperature") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 3...3)
        _ = try KLDistill(temperature: temperature).inferTypes(Array(inputs[0...1]))
        return [inputs[0], inputs[1]]
    }

    public func execute(_ io: KernelIO) throws {
        let s = io.inputs[0]
        Losses.klDistillBackward(student: s.f, teacher: io.inputs[1].f, rows: s.shape[0], classes: s.shape[1], temperature: temperature,
                                 dLoss: io.inputs[2].f[0], ds: io.outputs[0].floats, dt: io.outputs[1].floats, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(40, s.count(input: 0))) }
}

extension GraphBuilder {
    public func crossEntropy(_ logits: GraphValue, _ labels: GraphValue, smoothing: Float = 0, name: String? = nil) throws -> GraphValue {
        try apply1(CrossEntropy(smoothing: smoothing), [logits, labels], name: name)
    }
    public func bceWithLogits(_ logits: GraphValue, _ targets: GraphValue, name: String? = nil) throws -> GraphValue {
        try apply1(BCEWithLogits(), [logits, targets], name: name)
    }
    public func mse(_ a: GraphValue, _ b: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(MSE(), [a, b], name: name) }
    public func klDistill(student: GraphValue, teacher: GraphValue, temperature: Float, name: String? = nil) throws -> GraphValue {
        try apply1(KLDistill(temperature: temperature), [student, teacher], name: name)
    }
}
