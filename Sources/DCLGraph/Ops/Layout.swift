// Data-movement primitives: reshape, transpose, concat, slice, pad (the adjoint of slice),
// shuffle (ICIIA feature shuffle) and stop_gradient. These work on float32 and int32 alike.

import DCLTensor

/// Same elements, new shape (a view: the executor shares the input's buffer when it can).
public struct Reshape: Primitive {
    public static let name = "reshape"
    public var shape: [Dim]
    public init(shape: [Dim]) { self.shape = shape }
    public var attributes: [(String, AttributeValue)] { [("shape", .dims(shape))] }
    public init(attributes: Attributes) throws { shape = try attributes.dims("shape") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        guard inputs[0].elementCount == shape.reduce(Dim(1), *) else {
            throw typeError("cannot reshape to \(formatDims(shape)): element counts differ", inputs)
        }
        return [TensorType(inputs[0].dtype, shape)]
    }

    public var viewInput: Int? { 0 }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0], y = io.outputs[0]
        if x.data != y.data { y.data.copyMemory(from: x.data, byteCount: x.count * x.dtype.byteSize) }
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] { [try c.builder.reshape(try c.cotangent, c.inputs[0].type.dims)] }
    public func cost(_ s: ShapeInfo) -> OpCost { OpCost(flops: 0, bytesRead: 0, bytesWritten: 0) }
}

/// Axis permutation: output axis i is input axis perm[i].
public struct Transpose: Primitive {
    public static let name = "transpose"
    public var perm: [Int]
    public init(perm: [Int]) { self.perm = perm }
    public var attributes: [(String, AttributeValue)] { [("perm", .ints(perm))] }
    public init(attributes: Attributes) throws { perm = try attributes.ints("perm") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        guard perm.count == inputs[0].rank, perm.sorted() == Array(0..<perm.count) else {
            throw typeError("\(perm) is not a permutation of the input's axes", inputs)
        }
        return [TensorType(inputs[0].dtype, perm.map { inputs[0].dims[$0] })]
    }

    public func execute(_ io: KernelIO) throws {
        Layout.permute(io.inputs[0].data, io.inputs[0].shape, perm: perm, io.outputs[0].data)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        var inv = [Int](repeating: 0, count: perm.count)
        for (i, p) in perm.enumerated() { inv[p] = i }
        return [try c.builder.transpose(try c.cotangent, inv)]
    }
}

/// Concatenation along `axis` (any number of inputs).
public struct Concat: Primitive {
    public static let name = "concat"
    public var axis: Int
    public init(axis: Int) { self.axis = axis }
    public var attributes: [(String, AttributeValue)] { [("axis", .int(axis))] }
    public init(attributes: Attributes) throws { axis = try attributes.int("axis") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        guard let first = inputs.first else { throw typeError("needs at least one input", inputs) }
        guard axis >= 0, axis < first.rank else { throw typeError("axis \(axis) is out of range", inputs) }
        var total = Dim(0)
        for t in inputs {
            guard t.dtype == first.dtype, t.rank == first.rank else { throw typeError("inputs differ in rank or dtype", inputs) }
            for i in 0..<t.rank where i != axis && t.dims[i] != first.dims[i] {
                throw typeError("inputs differ outside axis \(axis)", inputs)
            }
            total = total + t.dims[axis]
        }
        var dims = first.dims
        dims[axis] = total
        return [TensorType(first.dtype, dims)]
    }

    public func execute(_ io: KernelIO) throws {
        Layout.concat(io.inputs.map { (UnsafeRawPointer($0.data), $0.shape) }, axis: axis, io.outputs[0].data)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let g = try c.cotangent
        var start = Dim(0)
        var out: [GraphValue?] = []
        for (i, x) in c.inputs.enumerated() {
            out.append(c.needsGradient[i] ? try c.builder.slice(g, axis: axis, start: start, size: x.type.dims[axis]) : nil)
            start = start + x.type.dims[axis]
        }
        return out
    }
}

/// x[start ..< start+size] along `axis`.
public struct Slice: Primitive {
    public static let name = "slice"
    public var axis: Int
    public var start: Dim
    public var size: Dim
    public init(axis: Int, start: Dim, size: Dim) { self.axis = axis; self.start = start; self.size = size }
    public var attributes: [(String, AttributeValue)] { [("axis", .int(axis)), ("start", dimAttribute(start)), ("size", dimAttribute(size))] }
    public init(attributes: Attributes) throws {
        axis = try attributes.int("axis"); start = try attributes.dim("start"); size = try attributes.dim("size")
    }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        guard axis >= 0, axis < inputs[0].rank else { throw typeError("axis \(axis) is out of range", inputs) }
        // Only constant bounds can be checked statically; symbolic ones are checked at plan time.
        if let s = start.constant, let n = size.constant, let d = inputs[0].dims[axis].constant {
            // `n <= d - s` rather than `s + n <= d`: s and n are user-written and may be huge.
            guard s >= 0, n >= 0, s <= d, n <= d - s else {
                throw typeError("window of \(n) from \(s) does not fit axis \(axis) of length \(d)", inputs)
            }
        }
        var dims = inputs[0].dims
        dims[axis] = size
        return [TensorType(inputs[0].dtype, dims)]
    }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0]
        let s = try start.evaluate(io.bindings)
        guard s >= 0, s + io.outputs[0].shape[axis] <= x.shape[axis] else {
            throw GraphError(op: Self.name, "window [\(s), \(s + io.outputs[0].shape[axis])) does not fit axis \(axis) of \(formatShape(x.shape))")
        }
        var starts = [Int](repeating: 0, count: x.shape.count)
        starts[axis] = s
        Layout.slice(x.data, x.shape, starts: starts, outShape: io.outputs[0].shape, io.outputs[0].data)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        [try c.builder.apply1(Pad(axis: axis, start: start, total: c.inputs[0].type.dims[axis]), [try c.cotangent])]
    }
}

/// Zero padding along `axis`: the output has length `total` there and holds x at `start`.
public struct Pad: Primitive {
    public static let name = "pad"
    public var axis: Int
    public var start: Dim
    public var total: Dim
    public init(axis: Int, start: Dim, total: Dim) { self.axis = axis; self.start = start; self.total = total }
    public var attributes: [(String, AttributeValue)] { [("axis", .int(axis)), ("start", dimAttribute(start)), ("total", dimAttribute(total))] }
    public init(attributes: Attributes) throws {
        axis = try attributes.int("axis"); start = try attributes.dim("start"); total = try attributes.dim("total")
    }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        guard axis >= 0, axis < inputs[0].rank else { throw typeError("axis \(axis) is out of range", inputs) }
        var dims = inputs[0].dims
        dims[axis] = total
        return [TensorType(inputs[0].dtype, dims)]
    }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0]
        let s = try start.evaluate(io.bindings)
        guard s >= 0, s + x.shape[axis] <= io.outputs[0].shape[axis] else {
            throw GraphError(op: Self.name, "window does not fit the padded axis \(axis)")
        }
        var starts = [Int](repeating: 0, count: x.shape.count)
        starts[axis] = s
        Layout.pad(x.data, x.shape, starts: starts, outShape: io.outputs[0].shape, io.outputs[0].data)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        [try c.builder.slice(try c.cotangent, axis: axis, start: start, size: c.inputs[0].type.dims[axis])]
    }
}

/// Feature shuffle: view `axis` as (groups, k), transpose to (k, groups), flatten (ICIIA).
public struct Shuffle: Primitive {
    public static let name = "shuffle"
    public var axis: Int
    public var groups: Int
    public init(axis: Int, groups: Int) { self.axis = axis; self.groups = groups }
    public var attributes: [(String, AttributeValue)] { [("axis", .int(axis)), ("groups", .int(groups))] }
    public init(attributes: Attributes) throws { axis = try attributes.int("axis"); groups = try attributes.int("groups") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        guard axis >= 0, axis < inputs[0].rank, let n = inputs[0].dims[axis].constant, groups > 0, n % groups == 0 else {
            throw typeError("axis \(axis) must have a constant length divisible by \(groups)", inputs)
        }
        return [inputs[0]]
    }

    public func execute(_ io: KernelIO) throws {
        Layout.shuffle(io.inputs[0].data, io.inputs[0].shape, axis: axis, groups: groups, io.outputs[0].data)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let n = c.inputs[0].type.dims[axis].constant!
        return [try c.builder.shuffle(try c.cotangent, axis: axis, groups: n / groups)]
    }
}

/// Identity whose input receives no gradient.
public struct StopGradient: NonDifferentiable {
    public static let name = "stop_gradient"
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}
    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        return [inputs[0]]
    }
    public var viewInput: Int? { 0 }
    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0], y = io.outputs[0]
        if x.data != y.data { y.data.copyMemory(from: x.data, byteCount: x.count * x.dtype.byteSize) }
    }
    public func cost(_ s: ShapeInfo) -> OpCost { OpCost(flops: 0, bytesRead: 0, bytesWritten: 0) }
}

extension GraphBuilder {
    /// Reshape; one dimension may be `Dim(-1)`, inferred from the element count.
    public func reshape(_ x: GraphValue, _ shape: [Dim], name: String? = nil) throws -> GraphValue {
        var dims = shape
        if let i = dims.firstIndex(of: Dim(-1)) {
            var known = Dim(1)
            for (k, d) in dims.enumerated() where k != i { known = known * d }
            guard let inferred = x.type.elementCount.divided(by: known) else {
                throw GraphError(op: Reshape.name, "cannot infer -1 in \(formatDims(shape)) for \(x.type)", node: nodeName(Reshape.name, name), origin: origin)
            }
            dims[i] = inferred
        }
        if dims == x.type.dims { return x }
        return try apply1(Reshape(shape: dims), [x], name: name)
    }

    /// Collapses axes from `startAxis` on into one (`flatten(x)` turns (N, C, H, W) into (N, C·H·W)).
    public func flatten(_ x: GraphValue, startAxis: Int = 1, name: String? = nil) throws -> GraphValue {
        let head = Array(x.type.dims.prefix(startAxis))
        return try reshape(x, head + [x.type.dims.dropFirst(startAxis).reduce(Dim(1), *)], name: name)
    }

    public func transpose(_ x: GraphValue, _ perm: [Int], name: String? = nil) throws -> GraphValue {
        if perm == Array(0..<perm.count) && perm.count == x.type.rank { return x }
        return try apply1(Transpose(perm: perm), [x], name: name)
    }

    public func concat(_ xs: [GraphValue], axis: Int, name: String? = nil) throws -> GraphValue {
        try apply1(Concat(axis: axis), xs, name: name)
    }

    public func slice(_ x: GraphValue, axis: Int, start: Dim, size: Dim, name: String? = nil) throws -> GraphValue {
        if start == Dim(0) && axis < x.type.rank && size == x.type.dims[axis] { return x }
        return try apply1(Slice(axis: axis, start: start, size: size), [x], name: name)
    }

    /// Splits `axis` into consecutive pieces of the given sizes.
    public func split(_ x: GraphValue, axis: Int, sizes: [Dim], name: String? = nil) throws -> [GraphValue] {
        var start = Dim(0)
        var out: [GraphValue] = []
        for s in sizes {
            out.append(try slice(x, axis: axis, start: start, size: s, name: name.map { "\($0)_\(out.count)" }))
            start = start + s
        }
        return out
    }

    public func shuffle(_ x: GraphValue, axis: Int, groups: Int, name: String? = nil) throws -> GraphValue {
        try apply1(Shuffle(axis: axis, groups: groups), [x], name: name)
    }

    /// Identity that blocks gradients.
    public func stopGradient(_ x: GraphValue, name: String? = nil) throws -> GraphValue {
        try apply1(StopGradient(), [x], name: name)
    }
}
