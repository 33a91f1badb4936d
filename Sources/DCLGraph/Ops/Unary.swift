// Pointwise math primitives: neg, exp, log, sqrt, pow (by a constant exponent).

import DCLTensor

/// Shared facets of the pointwise float ops.
protocol UnaryPrimitive: Primitive {
    var kernelOp: UnaryOp { get }
    /// FLOPs per element for the cost report.
    var flopsPerElement: Int { get }
}

extension UnaryPrimitive {
    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        try expectDType(inputs, 0, .float32)
        return [inputs[0]]
    }

    public func execute(_ io: KernelIO) throws {
        Elementwise.unary(kernelOp, io.inputs[0].f, io.outputs[0].floats, io.inputs[0].count, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(flopsPerElement, s.count(output: 0))) }
    public func inPlaceCandidates(forOutput k: Int) -> [Int] { [0] }
    var flopsPerElement: Int { 1 }
}

/// -x.
public struct Neg: UnaryPrimitive {
    public static let name = "neg"
    var kernelOp: UnaryOp { .neg }
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] { [try c.builder.neg(try c.cotangent)] }
}

/// e^x.
public struct Exp: UnaryPrimitive {
    public static let name = "exp"
    var kernelOp: UnaryOp { .exp }
    var flopsPerElement: Int { 10 }
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] { [try c.builder.mul(try c.cotangent, c.outputs[0])] }
}

/// Natural logarithm.
public struct Log: UnaryPrimitive {
    public static let name = "log"
    var kernelOp: UnaryOp { .log }
    var flopsPerElement: Int { 10 }
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] { [try c.builder.div(try c.cotangent, c.inputs[0])] }
}

/// √x.
public struct Sqrt: UnaryPrimitive {
    public static let name = "sqrt"
    var kernelOp: UnaryOp { .sqrt }
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let b = c.builder
        return [try b.div(try b.mul(try c.cotangent, b.scalar(0.5)), c.outputs[0])]
    }
}

/// x^p for a constant exponent p.
public struct Pow: UnaryPrimitive {
    public static let name = "pow"
    public var exponent: Float
    var kernelOp: UnaryOp { .pow(exponent) }
    var flopsPerElement: Int { 2 }
    public init(exponent: Float) { self.exponent = exponent }
    public var attributes: [(String, AttributeValue)] { [("exponent", .float(exponent))] }
    public init(attributes: Attributes) throws { exponent = try attributes.float("exponent") }
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let b = c.builder
        if exponent == 1 { return [try c.cotangent] }
        let d = try b.mul(try b.pow(c.inputs[0], exponent - 1), b.scalar(exponent))
        return [try b.mul(try c.cotangent, d)]
    }
}

extension GraphBuilder {
    public func neg(_ x: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Neg(), [x], name: name) }
    public func exp(_ x: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Exp(), [x], name: name) }
    public func log(_ x: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Log(), [x], name: name) }
    public func sqrt(_ x: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Sqrt(), [x], name: name) }
    public func pow(_ x: GraphValue, _ p: Float, name: String? = nil) throws -> GraphValue { try apply1(Pow(exponent: p), [x], name: name) }
}
