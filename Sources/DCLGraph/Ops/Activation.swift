// Activation primitives (relu, leaky_relu, gelu, sigmoid, tanh) and their shared backward
// primitive `activation_grad`.
//
// Backward reads the output y for relu/sigmoid/tanh and the input x for leaky_relu/gelu (see
// `Activation.backwardUsesOutput`), so a fused matmul/conv epilogue that never materialises the
// pre-activation still leaves the backward what it needs for relu.

import DCLTensor

/// Shared facets of the activation ops.
protocol ActivationPrimitive: Primitive {
    var activation: Activation { get }
}

extension ActivationPrimitive {
    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        try expectDType(inputs, 0, .float32)
        return [inputs[0]]
    }

    public func execute(_ io: KernelIO) throws {
        Activations.forward(activation, io.inputs[0].f, io.outputs[0].floats, io.inputs[0].count, pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let saved = activation.backwardUsesOutput ? c.outputs[0] : c.inputs[0]
        return [try c.builder.apply1(ActivationGrad(activation: activation), [try c.cotangent, saved])]
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(activationFlops(activation), s.count(output: 0))) }
    public func inPlaceCandidates(forOutput k: Int) -> [Int] { [0] }
}

/// Rough FLOPs per element (transcendentals count ~10).
func activationFlops(_ a: Activation) -> Int {
    switch a {
    case .identity: return 0
    case .relu, .leakyRelu: return 1
    case .sigmoid, .tanh: return 12
    case .gelu: return 16
    }
}

/// max(x, 0).
public struct Relu: ActivationPrimitive {
    public static let name = "relu"
    public var activation: Activation { .relu }
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}
}

/// x for x > 0, slope·x otherwise.
public struct LeakyRelu: ActivationPrimitive {
    public static let name = "leaky_relu"
    public var slope: Float
    public var activation: Activation { .leakyRelu(slope: slope) }
    public init(slope: Float = 0.01) { self.slope = slope }
    public var attributes: [(String, AttributeValue)] { [("slope", .float(slope))] }
    public init(attributes: Attributes) throws { slope = try attributes.float("slope") }
}

/// GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
public struct Gelu: ActivationPrimitive {
    public static let name = "gelu"
    public var activation: Activation { .gelu }
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}
}

/// 1 / (1 + e^-x).
public struct Sigmoid: ActivationPrimitive {
    public static let name = "sigmoid"
    public var activation: Activation { .sigmoid }
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}
}

/// Hyperbolic tangent.
public struct Tanh: ActivationPrimitive {
    public static let name = "tanh"
    public var activation: Activation { .tanh }
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}
}

/// dx = dy · f'(saved), with `saved` the forward output or input as the activation requires.
public struct ActivationGrad: NonDifferentiable {
    public static let name = "activation_grad"
    public var activation: Activation
    public init(activation: Activation) { self.activation = activation }
    public var attributes: [(String, AttributeValue)] { [("kind", .string(activation.description))] }
    public init(attributes: Attributes) throws { activation = try attributes.activation("kind") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        guard inputs[0] == inputs[1], inputs[0].dtype == .float32 else { throw typeError("gradient and saved value must match", inputs) }
        return [inputs[0]]
    }

    public func execute(_ io: KernelIO) throws {
        Activations.backward(activation, dy: io.inputs[0].f, saved: io.inputs[1].f, dx: io.outputs[0].floats,
                             io.inputs[0].count, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct((activationFlops(activation) + 1), s.count(output: 0))) }
    public func inPlaceCandidates(forOutput k: Int) -> [Int] { [0] }
}

extension GraphBuilder {
    public func relu(_ x: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Relu(), [x], name: name) }
    public func leakyRelu(_ x: GraphValue, slope: Float = 0.01, name: String? = nil) throws -> GraphValue { try apply1(LeakyRelu(slope: slope), [x], name: name) }
    public func gelu(_ x: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Gelu(), [x], name: name) }
    public func sigmoid(_ x: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Sigmoid(), [x], name: name) }
    public func tanh(_ x: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Tanh(), [x], name: name) }

    /// Applies `act` (no node for `.identity`).
    public func activation(_ act: Activation, _ x: GraphValue, name: String? = nil) throws -> GraphValue {
        switch act {
        case .identity: return x
        case .relu: return try relu(x, name: name)
        case .leakyRelu(let s): return try leakyRelu(x, slope: s, name: name)
        case .gelu: return try gelu(x, name: name)
        case .sigmoid: return try sigmoid(x, name: name)
        case .tanh: return try tanh(x, name: name)
        }
    }
}
