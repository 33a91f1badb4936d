// gather (embedding lookup: rows of a table selected by int32 indices) and its adjoint
// scatter_add. Indices out of range are a run-time error naming the bad index.

import DCLTensor

/// out[i…, :] = table[indices[i…], :].
public struct GatherRows: Primitive {
    public static let name = "gather"
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        try expectDType(inputs, 0, .float32)
        try expectDType(inputs, 1, .int32)
        guard inputs[0].rank >= 1 else { throw typeError("table must have rank ≥ 1", inputs) }
        return [TensorType(.float32, inputs[1].dims + inputs[0].dims.dropFirst())]
    }

    public func execute(_ io: KernelIO) throws {
        let t = io.inputs[0], idx = io.inputs[1]
        try Gather.rows(t.f, tableRows: t.shape[0], d: t.shape.dropFirst().reduce(1, *), UnsafePointer(idx.ints),
                        count: idx.count, io.outputs[0].floats, pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let table = c.inputs[0]
        return [try c.builder.apply1(ScatterAdd(rows: table.type.dims[0]), [try c.cotangent, c.inputs[1]]), nil]
    }
}

/// out (rows, …) = 0, then out[indices[i…]] += src[i…] in index order.
public struct ScatterAdd: Primitive {
    public static let name = "scatter_add"
    public var rows: Dim
    public init(rows: Dim) { self.rows = rows }
    public var attributes: [(String, AttributeValue)] { [("rows", dimAttribute(rows))] }
    public init(attributes: Attributes) throws { rows = try attributes.dim("rows") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        try expectDType(inputs, 0, .float32)
        try expectDType(inputs, 1, .int32)
        guard inputs[0].dims.starts(with: inputs[1].dims) else {
            throw typeError("source must start with the index shape", inputs)
        }
        return [TensorType(.float32, [rows] + inputs[0].dims.dropFirst(inputs[1].rank))]
    }

    public func execute(_ io: KernelIO) throws {
        let src = io.inputs[0], idx = io.inputs[1], out = io.outputs[0]
        try Gather.scatterAdd(src.f, d: out.shape.dropFirst().reduce(1, *), UnsafePointer(idx.ints), count: idx.count,
                              out.floats, tableRows: out.shape[0], pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        [try c.builder.gather(try c.cotangent, c.inputs[1]), nil]
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: s.count(input: 0)) }
}

extension GraphBuilder {
    /// Rows of `table` selected by int32 `indices` (any shape).
    public func gather(_ table: GraphValue, _ indices: GraphValue, name: String? = nil) throws -> GraphValue {
        try apply1(GatherRows(), [table, indices], name: name)
    }
}
