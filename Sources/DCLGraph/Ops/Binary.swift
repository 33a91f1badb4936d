// Broadcasting binary primitives: add, sub, mul, div, maximum, minimum, equal.
//
// They share type inference (numpy broadcasting over symbolic dims), the kernel call and the
// cost through `BinaryPrimitive`; each type keeps only its own gradient.

import DCLTensor

/// Shared facets of the broadcasting binary ops.
protocol BinaryPrimitive: Primitive {
    static var kernelOp: BinaryOp { get }
    init()
}

extension BinaryPrimitive {
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws { self.init() }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        try expectDType(inputs, 0, .float32)
        try expectDType(inputs, 1, .float32)
        return [TensorType(.float32, try broadcastDims(inputs[0].dims, inputs[1].dims, op: Self.name))]
    }

    public func execute(_ io: KernelIO) throws {
        let a = io.inputs[0], b = io.inputs[1], o = io.outputs[0]
        Elementwise.binary(Self.kernelOp, a.f, a.shape, b.f, b.shape, o.floats, o.shape, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: s.count(output: 0)) }

    /// The kernel reads element i of a same-shaped operand before writing element i.
    public func inPlaceCandidates(forOutput k: Int) -> [Int] { [0, 1] }
}

/// a + b.
public struct Add: BinaryPrimitive {
    public static let name = "add"
    static let kernelOp = BinaryOp.add
    public init() {}
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let g = try c.cotangent
        return [c.needsGradient[0] ? try c.unbroadcast(g, to: c.inputs[0]) : nil,
                c.needsGradient[1] ? try c.unbroadcast(g, to: c.inputs[1]) : nil]
    }
}

/// a - b.
public struct Sub: BinaryPrimitive {
    public static let name = "sub"
    static let kernelOp = BinaryOp.sub
    public init() {}
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let g = try c.cotangent
        return [c.needsGradient[0] ? try c.unbroadcast(g, to: c.inputs[0]) : nil,
                c.needsGradient[1] ? try c.unbroadcast(try c.builder.neg(g), to: c.inputs[1]) : nil]
    }
}

/// a · b (elementwise).
public struct Mul: BinaryPrimitive {
    public static let name = "mul"
    static let kernelOp = BinaryOp.mul
    public init() {}
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let g = try c.cotangent, b = c.builder
        return [c.needsGradient[0] ? try c.unbroadcast(try b.mul(g, c.inputs[1]), to: c.inputs[0]) : nil,
                c.needsGradient[1] ? try c.unbroadcast(try b.mul(g, c.inputs[0]), to: c.inputs[1]) : nil]
    }
}

/// a / b.
public struct Div: BinaryPrimitive {
    public static let name = "div"
    static let kernelOp = BinaryOp.div
    public init() {}
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let g = try c.cotangent, b = c.builder
        let da = c.needsGradient[0] ? try c.unbroadcast(try b.div(g, c.inputs[1]), to: c.inputs[0]) : nil
        // d(a/b)/db = -(a/b)/b
        let db = c.needsGradient[1]
            ? try c.unbroadcast(try b.neg(try b.div(try b.mul(g, c.outputs[0]), c.inputs[1])), to: c.inputs[1]) : nil
        return [da, db]
    }
}

/// Elementwise maximum; at ties the gradient goes to the first operand.
public struct Maximum: BinaryPrimitive {
    public static let name = "maximum"
    static let kernelOp = BinaryOp.maximum
    public init() {}
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] { try selectVJP(c) }
}

/// Elementwise minimum; at ties the gradient goes to the first operand.
public struct Minimum: BinaryPrimitive {
    public static let name = "minimum"
    static let kernelOp = BinaryOp.minimum
    public init() {}
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] { try selectVJP(c) }
}

/// Gradient of max/min: the operand that was selected gets the cotangent.
func selectVJP(_ c: VJPContext) throws -> [GraphValue?] {
    let g = try c.cotangent, b = c.builder
    let maskA = try b.equal(c.outputs[0], c.inputs[0])
    let da = c.needsGradient[0] ? try c.unbroadcast(try b.mul(g, maskA), to: c.inputs[0]) : nil
    let db = c.needsGradient[1]
        ? try c.unbroadcast(try b.mul(g, try b.sub(b.scalar(1), maskA)), to: c.inputs[1]) : nil
    return [da, db]
}

/// 1 where a == b, else 0 (float32 result; inputs of either dtype, the same for both).
public struct Equal: NonDifferentiable {
    public static let name = "equal"
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        guard inputs[0].dtype == inputs[1].dtype else { throw typeError("operands must have the same dtype", inputs) }
        return [TensorType(.float32, try broadcastDims(inputs[0].dims, inputs[1].dims, op: Self.name))]
    }

    public func execute(_ io: KernelIO) throws {
        let a = io.inputs[0], b = io.inputs[1], o = io.outputs[0]
        if a.dtype == .float32 {
            Elementwise.binary(.equal, a.f, a.shape, b.f, b.shape, o.floats, o.shape, pool: io.pool)
            return
        }
        // int32: compare through exact float conversion when small, else elementwise loop.
        let sa = Elementwise.broadcastStrides(a.shape, o.shape), sb = Elementwise.broadcastStrides(b.shape, o.shape)
        let n = o.count
        var idx = [Int](repeating: 0, count: o.shape.count)
        for i in 0..<n {
            var oa = 0, ob = 0
            for d in 0..<idx.count { oa += idx[d] * sa[d]; ob += idx[d] * sb[d] }
            o.floats[i] = a.ints[oa] == b.ints[ob] ? 1 : 0
            var d = idx.count - 1
            while d >= 0 { idx[d] += 1; if idx[d] < o.shape[d] { break }; idx[d] = 0; d -= 1 }
        }
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: s.count(output: 0)) }
}

extension GraphBuilder {
    public func add(_ a: GraphValue, _ b: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Add(), [a, b], name: name) }
    public func sub(_ a: GraphValue, _ b: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Sub(), [a, b], name: name) }
    public func mul(_ a: GraphValue, _ b: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Mul(), [a, b], name: name) }
    public func div(_ a: GraphValue, _ b: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Div(), [a, b], name: name) }
    public func maximum(_ a: GraphValue, _ b: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Maximum(), [a, b], name: name) }
    public func minimum(_ a: GraphValue, _ b: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Minimum(), [a, b], name: name) }
    public func equal(_ a: GraphValue, _ b: GraphValue, name: String? = nil) throws -> GraphValue { try apply1(Equal(), [a, b], name: name) }
}
