// softmax and log_softmax along an axis, and their backward primitive softmax_grad.

import DCLTensor

/// Shared facets of softmax and log_softmax.
protocol SoftmaxPrimitive: Primitive {
    var axis: Int { get }
    static var isLog: Bool { get }
    init(axis: Int)
}

extension SoftmaxPrimitive {
    public var attributes: [(String, AttributeValue)] { [("axis", .int(axis))] }
    public init(attributes: Attributes) throws { self.init(axis: try attributes.int("axis")) }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        try expectDType(inputs, 0, .float32)
        guard axis >= 0, axis < inputs[0].rank else { throw typeError("axis \(axis) is out of range", inputs) }
        return [inputs[0]]
    }

    public func execute(_ io: KernelIO) throws {
        Softmax.forward(io.inputs[0].f, io.outputs[0].floats, shape: io.inputs[0].shape, axis: axis, log: Self.isLog, pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        [try c.builder.apply1(SoftmaxGrad(axis: axis, log: Self.isLog), [c.outputs[0], try c.cotangent])]
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(14, s.count(output: 0))) }
    public func inPlaceCandidates(forOutput k: Int) -> [Int] { [0] }
}

/// softmax along `axis`.
public struct SoftmaxOp: SoftmaxPrimitive {
    public static let name = "softmax"
    static let isLog = false
    public var axis: Int
    public init(axis: Int) { self.axis = axis }
}

/// log_softmax along `axis`.
public struct LogSoftmax: SoftmaxPrimitive {
    public static let name = "log_softmax"
    static let isLog = true
    public var axis: Int
    public init(axis: Int) { self.axis = axis }
}

/// Backward of softmax (`log` false: y·(dy - Σdy·y)) or log_softmax (dy - e^y·Σdy) from the
/// forward output y and the cotangent dy.
public struct SoftmaxGrad: NonDifferentiable {
    public static let name = "softmax_grad"
    public var axis: Int
    public var log: Bool
    public init(axis: Int, log: Bool) { self.axis = axis; self.log = log }
    public var attributes: [(String, AttributeValue)] { [("axis", .int(axis)), ("log", .bool(log))] }
    public init(attributes: Attributes) throws { axis = try attributes.int("axis"); log = try attributes.bool("log") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        guard inputs[0] == inputs[1], axis >= 0, axis < inputs[0].rank else { throw typeError("output and gradient must match", inputs) }
        return [inputs[0]]
    }

    public func execute(_ io: KernelIO) throws {
        Softmax.backward(y: io.inputs[0].f, dy: io.inputs[1].f, dx: io.outputs[0].floats, shape: io.inputs[0].shape,
                         axis: axis, log: log, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct((log ? 14 : 4), s.count(output: 0))) }
    public func inPlaceCandidates(forOutput k: Int) -> [Int] { [1] }
}

extension GraphBuilder {
    public func softmax(_ x: GraphValue, axis: Int = -1, name: String? = nil) throws -> GraphValue {
        try apply1(SoftmaxOp(axis: axis < 0 ? axis + x.type.rank : axis), [x], name: name)
    }
    public func logSoftmax(_ x: GraphValue, axis: Int = -1, name: String? = nil) throws -> GraphValue {
        try apply1(LogSoftmax(axis: axis < 0 ? axis + x.type.rank : axis), [x], name: name)
    }
}
