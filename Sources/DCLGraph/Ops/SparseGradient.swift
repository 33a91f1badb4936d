// Row-sparse gradients of embedding tables and their lazy optimiser updates (coalesce_rows,
// sparse_sgd_update, sparse_adam_update).
//
// When a trainable table is only ever read through `gather`, its gradient is nonzero only in the
// rows a batch looked up. The training graph then carries it as (indices, rows, count) from
// `coalesce_rows` instead of a dense [rows, d] `scatter_add`, and updates it with a sparse
// update op, so a step costs O(indices · d) whatever the table's size.
//
// The number of distinct rows depends on the data, but buffers are planned from shapes, so the
// outputs have a fixed capacity — the number of looked-up indices — plus a scalar count; slots
// past the count hold index 0 and zero rows (which is why global-norm clipping can read the
// rows buffer whole). See SparseRows.swift for the summation order and the lazy semantics.

import DCLTensor

/// Inputs rows₁, indices₁, …, rowsₖ, indicesₖ (rowsᵢ shaped indicesᵢ's shape + the table's row
/// shape); outputs the unique row indices ascending (int32 [capacity]), their summed rows
/// (float32 [capacity] + row shape) and how many there are (int32 scalar).
public struct CoalesceRows: NonDifferentiable {
    public static let name = "coalesce_rows"
    /// Rows of the table the indices select from (indices are checked against it).
    public var tableRows: Int
    public init(tableRows: Int) { self.tableRows = tableRows }
    public var attributes: [(String, AttributeValue)] { [("rows", .int(tableRows))] }
    public init(attributes: Attributes) throws {
        tableRows = try attributes.int("rows")
        guard tableRows >= 0 else { throw GraphError(op: Self.name, "rows must be ≥ 0, got \(tableRows)") }
    }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        guard !inputs.isEmpty, inputs.count % 2 == 0 else {
            throw typeError("expects (rows, indices) pairs, got \(inputs.count) inputs", inputs)
        }
        var capacity = Dim(0)
        var rowDims: [Dim]?
        for k in stride(from: 0, to: inputs.count, by: 2) {
            try expectDType(inputs, k, .float32)
            try expectDType(inputs, k + 1, .int32)
            let src = inputs[k], idx = inputs[k + 1]
            guard src.dims.starts(with: idx.dims) else { throw typeError("rows must start with their indices' shape", inputs) }
            let rest = Array(src.dims.dropFirst(idx.rank))
            guard rest.allSatisfy(\.isConstant) else { throw typeError("the row shape must be constant", inputs) }
            if let r = rowDims, r != rest { throw typeError("every piece must have the same row shape", inputs) }
            rowDims = rest
            capacity = capacity + idx.dims.reduce(Dim(1), *)
        }
        return [TensorType(.int32, [capacity]), TensorType(.float32, [capacity] + rowDims!), TensorType(.int32, [])]
    }

    public func execute(_ io: KernelIO) throws {
        let d = io.outputs[1].shape.dropFirst().reduce(1, *)
        let pieces = stride(from: 0, to: io.inputs.count, by: 2).map { k in
            SparseRows.Piece(rows: io.inputs[k].f, indices: UnsafePointer(io.inputs[k + 1].ints), count: io.inputs[k + 1].count)
        }
        let n = try SparseRows.coalesce(pieces, d: d, tableRows: tableRows, outIndices: io.outputs[0].ints,
                                        outRows: io.outputs[1].floats, pool: io.pool)
        io.outputs[2].ints[0] = Int32(n)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: s.count(output: 1)) }
}

/// Checks the (indices, rows, count) inputs at `first` against a parameter of type `param`.
private func checkSparseGradient(_ inputs: [TensorType], _ first: Int, param: TensorType, op: String) throws {
    let idx = inputs[first], rows = inputs[first + 1], count = inputs[first + 2]
    guard param.dtype == .float32, param.rank >= 1, idx.dtype == .int32, idx.rank == 1, rows.dtype == .float32,
          rows.dims == idx.dims + param.dims.dropFirst(), count.dtype == .int32, count.rank == 0 else {
        throw GraphError(op: op, "expects a float32 table, int32 [n] row indices, float32 [n, …] rows shaped like the table's rows and an int32 scalar count (inputs: \(formatTypes(inputs)))")
    }
}

/// The validated number of rows of a row-sparse gradient at input `first` for a table `param`.
private func sparseRowCount(_ io: KernelIO, _ first: Int, param: TensorRef, op: String) throws -> Int {
    let idx = io.inputs[first], n = Int(io.inputs[first + 2].ints[0])
    try SparseRows.validate(count: n, capacity: idx.count, UnsafePointer(idx.ints), tableRows: param.shape[0], op: op)
    return n
}

/// Lazy SGD. Inputs: param, indices, rows, count, [momentum buffer if momentum ≠ 0], [grad
/// scale if `scaled`]. Outputs: new param, [new buffer]. Only the listed rows change.
public struct SparseSGDUpdate: NonDifferentiable {
    public static let name = "sparse_sgd_update"
    public var dense: SGDUpdate
    public init(_ dense: SGDUpdate) { self.dense = dense }
    public var attributes: [(String, AttributeValue)] { dense.attributes }
    public init(attributes: Attributes) throws { dense = try SGDUpdate(attributes: attributes) }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        let n = 4 + (dense.hasBuffer ? 1 : 0) + (dense.scaled ? 1 : 0)
        try expectInputs(inputs, n...n)
        try checkSparseGradient(inputs, 1, param: inputs[0], op: Self.name)
        if dense.hasBuffer { guard inputs[4] == inputs[0] else { throw typeError("the momentum buffer must match the parameter", inputs) } }
        if dense.scaled { guard inputs[n - 1].isScalarLike else { throw typeError("the gradient scale must be a scalar", inputs) } }
        return dense.hasBuffer ? [inputs[0], inputs[0]] : [inputs[0]]
    }

    public func inPlaceCandidates(forOutput k: Int) -> [Int] { k == 0 ? [0] : [4] }
    public var isFoldable: Bool { false }

    public func execute(_ io: KernelIO) throws {
        let p = io.inputs[0]
        let count = try sparseRowCount(io, 1, param: p, op: Self.name)
        // Planned runs update in place; only a naive (reference) plan copies the table.
        copyIfNeeded(p, io.outputs[0])
        if dense.hasBuffer { copyIfNeeded(io.inputs[4], io.outputs[1]) }
        SparseRows.sgd(param: io.outputs[0].floats, indices: UnsafePointer(io.inputs[1].ints), rows: io.inputs[2].f, count: count,
                       d: p.shape.dropFirst().reduce(1, *), buffer: dense.hasBuffer ? io.outputs[1].floats : nil,
                       lr: dense.schedule.rate(at: io.step), momentum: dense.momentum, nesterov: dense.nesterov,
                       weightDecay: dense.weightDecay, gradScale: dense.scaled ? io.inputs.last!.f[0] : 1, first: io.step == 0,
                       pool: io.pool)
    }

    /// Proportional to the gradient's capacity (its rows), not to the table.
    public func cost(_ s: ShapeInfo) -> OpCost {
        let n = s.count(input: 2), tensors = dense.hasBuffer ? 2 : 1
        return OpCost(flops: saturatingProduct(4, n), bytesRead: saturatingProduct(4, tensors + 1, n), bytesWritten: saturatingProduct(4, tensors, n))
    }
}

/// Lazy Adam / AdamW. Inputs: param, indices, rows, count, m, v, [grad scale if `scaled`].
/// Outputs: param, m, v. Only the listed rows' parameters and moments change; bias correction
/// uses the global step.
public struct SparseAdamUpdate: NonDifferentiable {
    public static let name = "sparse_adam_update"
    public var dense: AdamUpdate
    public init(_ dense: AdamUpdate) { self.dense = dense }
    public var attributes: [(String, AttributeValue)] { dense.attributes }
    public init(attributes: Attributes) throws { dense = try AdamUpdate(attributes: attributes) }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        let n = dense.scaled ? 7 : 6
        try expectInputs(inputs, n...n)
        try checkSparseGradient(inputs, 1, param: inputs[0], op: Self.name)
        guard inputs[4] == inputs[0], inputs[5] == inputs[0] else { throw typeError("the moments must match the parameter", inputs) }
        if dense.scaled { guard inputs[6].isScalarLike else { throw typeError("the gradient scale must be a scalar", inputs) } }
        return [inputs[0], inputs[0], inputs[0]]
    }

    public func inPlaceCandidates(forOutput k: Int) -> [Int] { [[0], [4], [5]][k] }
    public var isFoldable: Bool { false }

    public func execute(_ io: KernelIO) throws {
        let p = io.inputs[0]
        let count = try sparseRowCount(io, 1, param: p, op: Self.name)
        copyIfNeeded(p, io.outputs[0])
        copyIfNeeded(io.inputs[4], io.outputs[1])
        copyIfNeeded(io.inputs[5], io.outputs[2])
        SparseRows.adam(param: io.outputs[0].floats, indices: UnsafePointer(io.inputs[1].ints), rows: io.inputs[2].f, count: count,
                        d: p.shape.dropFirst().reduce(1, *), m: io.outputs[1].floats, v: io.outputs[2].floats,
                        lr: dense.schedule.rate(at: io.step), step: io.step + 1, beta1: dense.beta1, beta2: dense.beta2, eps: dense.eps,
                        weightDecay: dense.weightDecay, decoupled: dense.decoupled, gradScale: dense.scaled ? io.inputs[6].f[0] : 1,
                        pool: io.pool)
    }

    /// Proportional to the gradient's capacity (its rows), not to the table.
    public func cost(_ s: ShapeInfo) -> OpCost {
        let n = s.count(input: 2)
        return OpCost(flops: saturatingProduct(12, n), bytesRead: saturatingProduct(4, 4, n), bytesWritten: saturatingProduct(4, 3, n))
    }
}
