// Reductions (reduce_sum, reduce_mean, reduce_max over axes), broadcast_to, and dim_value
// (the runtime value of a symbolic dimension, e.g. the batch size for a mean's gradient).

import DCLTensor

/// Shared facets of the reductions.
protocol ReducePrimitive: Primitive {
    static var kernelOp: ReduceOp { get }
    var axes: [Int] { get }
    var keepDims: Bool { get }
    init(axes: [Int], keepDims: Bool)
}

extension ReducePrimitive {
    public var attributes: [(String, AttributeValue)] { [("axes", .ints(axes)), ("keep_dims", .bool(keepDims))] }
    public init(attributes: Attributes) throws {
        self.init(axes: try attributes.ints("axes"), keepDims: try attributes.bool("keep_dims"))
    }

    func normalized(_ rank: Int) throws -> [Int] {
        do { return try Reduction.normalizeAxes(axes, rank: rank, op: Self.name) } catch let e as TensorError {
            throw GraphError(op: Self.name, e.message)
        }
    }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        try expectDType(inputs, 0, .float32)
        let ax = try normalized(inputs[0].rank)
        var dims: [Dim] = []
        for (i, d) in inputs[0].dims.enumerated() {
            if ax.contains(i) { if keepDims { dims.append(Dim(1)) } } else { dims.append(d) }
        }
        return [TensorType(.float32, dims)]
    }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0]
        let ax = try Reduction.normalizeAxes(axes, rank: x.shape.count, op: Self.name)
        Reduction.reduce(Self.kernelOp, x.f, x.shape, axes: ax, io.outputs[0].floats, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: s.count(input: 0)) }

    /// The cotangent reshaped to keep-dims form, broadcast back to the input's shape.
    func spread(_ c: VJPContext) throws -> GraphValue {
        let x = c.inputs[0]
        let ax = try normalized(x.type.rank)
        var keep = x.type.dims
        for a in ax { keep[a] = Dim(1) }
        var g = try c.cotangent
        if g.type.dims != keep { g = try c.builder.reshape(g, keep) }
        return try c.builder.broadcast(g, to: x.type.dims)
    }

    /// Number of reduced elements as a graph value (a constant unless a symbol is involved).
    func reducedCount(_ c: VJPContext) throws -> GraphValue {
        let ax = try normalized(c.inputs[0].type.rank)
        let n = ax.map { c.inputs[0].type.dims[$0] }.reduce(Dim(1), *)
        if let k = n.constant { return c.builder.scalar(Float(k)) }
        return try c.builder.dimValue(n)
    }
}

/// Sum over `axes`.
public struct ReduceSum: ReducePrimitive {
    public static let name = "reduce_sum"
    static let kernelOp = ReduceOp.sum
    public var axes: [Int]
    public var keepDims: Bool
    public init(axes: [Int], keepDims: Bool = false) { self.axes = axes; self.keepDims = keepDims }
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] { [try spread(c)] }
}

/// Mean over `axes`.
public struct ReduceMean: ReducePrimitive {
    public static let name = "reduce_mean"
    static let kernelOp = ReduceOp.mean
    public var axes: [Int]
    public var keepDims: Bool
    public init(axes: [Int], keepDims: Bool = false) { self.axes = axes; self.keepDims = keepDims }
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        [try c.builder.div(try spread(c), try reducedCount(c))]
    }
}

/// Maximum over `axes`; the gradient goes to every element equal to the maximum.
public struct ReduceMax: ReducePrimitive {
    public static let name = "reduce_max"
    static let kernelOp = ReduceOp.max
    public var axes: [Int]
    public var keepDims: Bool
    public init(axes: [Int], keepDims: Bool = false) { self.axes = axes; self.keepDims = keepDims }
    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let b = c.builder, x = c.inputs[0]
        let ax = try normalized(x.type.rank)
        var keep = x.type.dims
        for a in ax { keep[a] = Dim(1) }
        let m = try b.broadcast(try b.reshape(c.outputs[0], keep), to: x.type.dims)
        return [try b.mul(try spread(c), try b.equal(x, m))]
    }
}

/// Broadcasts to `shape` (numpy rules).
public struct BroadcastTo: Primitive {
    public static let name = "broadcast_to"
    public var shape: [Dim]
    public init(shape: [Dim]) { self.shape = shape }
    public var attributes: [(String, AttributeValue)] { [("shape", .dims(shape))] }
    public init(attributes: Attributes) throws { shape = try attributes.dims("shape") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        guard (try? broadcastDims(inputs[0].dims, shape, op: Self.name)) == shape else {
            throw typeError("cannot broadcast to \(formatDims(shape))", inputs)
        }
        return [TensorType(inputs[0].dtype, shape)]
    }

    public func execute(_ io: KernelIO) throws {
        Layout.broadcast(io.inputs[0].data, io.inputs[0].shape, io.outputs[0].data, io.outputs[0].shape)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] { [try c.unbroadcast(try c.cotangent, to: c.inputs[0])] }
}

/// A float32 scalar holding the value of a (symbolic) dimension at run time.
public struct DimValue: NonDifferentiable {
    public static let name = "dim_value"
    public var dim: Dim
    public init(dim: Dim) { self.dim = dim }
    public var attributes: [(String, AttributeValue)] { [("dim", dimAttribute(dim))] }
    public init(attributes: Attributes) throws { dim = try attributes.dim("dim") }
    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 0...0)
        return [.scalar]
    }
    public func execute(_ io: KernelIO) throws {
        io.outputs[0].floats[0] = Float(try dim.evaluate(io.bindings))
    }
}

extension GraphBuilder {
    public func reduce(_ op: ReduceOp, _ x: GraphValue, axes: [Int], keepDims: Bool = false, name: String? = nil) throws -> GraphValue {
        switch op {
        case .sum: return try apply1(ReduceSum(axes: axes, keepDims: keepDims), [x], name: name)
        case .mean: return try apply1(ReduceMean(axes: axes, keepDims: keepDims), [x], name: name)
        case .max: return try apply1(ReduceMax(axes: axes, keepDims: keepDims), [x], name: name)
        }
    }

    public func broadcast(_ x: GraphValue, to shape: [Dim], name: String? = nil) throws -> GraphValue {
        if x.type.dims == shape { return x }
        return try apply1(BroadcastTo(shape: shape), [x], name: name)
    }

    /// The run-time value of `dim` as a float32 scalar.
    public func dimValue(_ dim: Dim, name: String? = nil) throws -> GraphValue {
        if let c = dim.constant { return scalar(Float(c)) }
        return try apply1(DimValue(dim: dim), [], name: name)
    }
}
