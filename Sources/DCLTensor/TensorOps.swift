// Tensor-level entry points: validate shapes (throwing `TensorError` with the op and shapes),
// allocate the result, call the raw-buffer kernel. The graph executor calls the raw kernels
// directly on its planned buffers; these are for tests, tools and eager use.

/// Eager tensor operations. Every function checks its inputs and throws instead of trapping.
public enum Kernels {
    static func requireFloat(_ t: Tensor, _ op: String) throws {
        guard t.dtype == .float32 else { throw TensorError(op, "expected a float32 tensor, got \(t.dtype.rawValue)\(formatShape(t.shape))") }
    }

    static func requireInt(_ t: Tensor, _ op: String) throws {
        guard t.dtype == .int32 else { throw TensorError(op, "expected an int32 tensor, got \(t.dtype.rawValue)\(formatShape(t.shape))") }
    }

    static func fptr(_ t: Tensor) -> UnsafePointer<Float> { UnsafePointer(t.storage.bytes.assumingMemoryBound(to: Float.self)) }
    static func iptr(_ t: Tensor) -> UnsafePointer<Int32> { UnsafePointer(t.storage.bytes.assumingMemoryBound(to: Int32.self)) }
    static func mptr(_ t: Tensor) -> UnsafeMutablePointer<Float> { t.storage.bytes.assumingMemoryBound(to: Float.self) }

    /// Throws if `t` holds a NaN or an infinity, naming `what` and the first bad position.
    public static func checkFinite(_ t: Tensor, _ what: String = "tensor") throws {
        guard t.dtype == .float32 else { return }
        if let i = Elementwise.firstNonFinite(fptr(t), t.count) {
            throw TensorError("check_finite", "\(what) \(formatShape(t.shape)) has a non-finite value \(fptr(t)[i]) at flat index \(i)")
        }
    }

    /// op(a)·op(b) with numpy batch broadcasting; rank ≥ 2.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
                              pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(a, "matmul"); try requireFloat(b, "matmul")
        let shape = try Matmul.outputShape(a.shape, b.shape, transposeA: transposeA, transposeB: transposeB)
        let out = try Tensor(zeros: shape)
        Matmul.run(fptr(a), a.shape, transposeA: transposeA, fptr(b), b.shape, transposeB: transposeB, mptr(out), shape, pool: pool)
        return out
    }

    /// Broadcasting a ⊙ b.
    public static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(a, op.rawValue); try requireFloat(b, op.rawValue)
        let shape = try broadcastShapes(a.shape, b.shape, op: op.rawValue)
        let out = try Tensor(zeros: shape)
        Elementwise.binary(op, fptr(a), a.shape, fptr(b), b.shape, mptr(out), shape, pool: pool)
        return out
    }

    public static func unary(_ op: UnaryOp, _ x: Tensor, pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(x, "unary")
        let out = try Tensor(zeros: x.shape)
        Elementwise.unary(op, fptr(x), mptr(out), x.count, pool: pool)
        return out
    }

    public static func activation(_ act: Activation, _ x: Tensor, pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(x, act.description)
        let out = try Tensor(zeros: x.shape)
        Activations.forward(act, fptr(x), mptr(out), x.count, pool: pool)
        return out
    }

    /// dy·f'(·): `saved` is the output y when `act.backwardUsesOutput`, else the input x.
    public static func activationBackward(_ act: Activation, dy: Tensor, saved: Tensor, pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(dy, "\(act)_grad"); try requireFloat(saved, "\(act)_grad")
        guard dy.shape == saved.shape else {
            throw TensorError("\(act)_grad", "gradient \(formatShape(dy.shape)) and saved \(formatShape(saved.shape)) differ")
        }
        let out = try Tensor(zeros: dy.shape)
        Activations.backward(act, dy: fptr(dy), saved: fptr(saved), dx: mptr(out), dy.count, pool: pool)
        return out
    }

    public static func reduce(_ op: ReduceOp, _ x: Tensor, axes: [Int], keepDims: Bool = false, pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(x, "reduce_\(op.rawValue)")
        let ax = try Reduction.normalizeAxes(axes, rank: x.rank, op: "reduce_\(op.rawValue)")
        let out = try Tensor(zeros: Reduction.outputShape(x.shape, axes: ax, keepDims: keepDims))
        Reduction.reduce(op, fptr(x), x.shape, axes: ax, mptr(out), pool: pool)
        return out
    }

    public static func softmax(_ x: Tensor, axis: Int, log: Bool = false, pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(x, "softmax")
        let ax = try Reduction.normalizeAxes([axis], rank: x.rank, op: log ? "log_softmax" : "softmax")[0]
        let out = try Tensor(zeros: x.shape)
        Softmax.forward(fptr(x), mptr(out), shape: x.shape, axis: ax, log: log, pool: pool)
        return out
    }

    /// Checks `perm` is a permutation of 0..<rank.
    public static func validatePermutation(_ perm: [Int], rank: Int, op: String = "transpose") throws {
        guard perm.count == rank, perm.sorted() == Array(0..<rank) else {
            throw TensorError(op, "\(perm) is not a permutation of the axes of a rank-\(rank) tensor")
        }
    }

    public static func permute(_ x: Tensor, _ perm: [Int]) throws -> Tensor {
        try validatePermutation(perm, rank: x.rank)
        let out = try Tensor(zeros: perm.map { x.shape[$0] }, dtype: x.dtype)
        Layout.permute(x.storage.bytes, x.shape, perm: perm, out.storage.bytes)
        return out
    }

    public static func concat(_ xs: [Tensor], axis: Int) throws -> Tensor {
        guard let first = xs.first else { throw TensorError("concat", "needs at least one input") }
        let ax = try Reduction.normalizeAxes([axis], rank: first.rank, op: "concat")[0]
        var shape = first.shape
        shape[ax] = 0
        for x in xs {
            var s = x.shape
            guard x.dtype == first.dtype, s.count == first.rank else {
                throw TensorError("concat", "inputs \(formatShape(first.shape)) and \(formatShape(x.shape)) differ in rank or dtype")
            }
            shape[ax] += s[ax]
            s[ax] = first.shape[ax]
            guard s == first.shape else {
                throw TensorError("concat", "inputs \(formatShape(first.shape)) and \(formatShape(x.shape)) differ outside axis \(ax)")
            }
        }
        let out = try Tensor(zeros: shape, dtype: first.dtype)
        Layout.concat(xs.map { (UnsafeRawPointer($0.storage.bytes), $0.shape) }, axis: ax, out.storage.bytes)
        return out
    }

    /// x[starts ..< starts + sizes] along every axis.
    public static func slice(_ x: Tensor, starts: [Int], sizes: [Int]) throws -> Tensor {
        guard starts.count == x.rank, sizes.count == x.rank,
              zip(zip(starts, sizes), x.shape).allSatisfy({ $0.0 >= 0 && $0.1 >= 0 && $0.0 + $0.1 <= $1 }) else {
            throw TensorError("slice", "window starts \(starts) sizes \(sizes) does not fit \(formatShape(x.shape))")
        }
        let out = try Tensor(zeros: sizes, dtype: x.dtype)
        Layout.slice(x.storage.bytes, x.shape, starts: starts, outShape: sizes, out.storage.bytes)
        return out
    }

    public static func broadcast(_ x: Tensor, to shape: [Int]) throws -> Tensor {
        guard try broadcastShapes(x.shape, shape, op: "broadcast_to") == shape else {
            throw TensorError("broadcast_to", "cannot broadcast \(formatShape(x.shape)) to \(formatShape(shape))")
        }
        let out = try Tensor(zeros: shape, dtype: x.dtype)
        Layout.broadcast(x.storage.bytes, x.shape, out.storage.bytes, shape)
        return out
    }

    /// Channel/feature shuffle along `axis` with `groups` groups.
    public static func shuffle(_ x: Tensor, axis: Int, groups: Int) throws -> Tensor {
        let ax = try Reduction.normalizeAxes([axis], rank: x.rank, op: "shuffle")[0]
        guard groups > 0, x.shape[ax] % groups == 0 else {
            throw TensorError("shuffle", "axis \(ax) of \(formatShape(x.shape)) is not divisible into \(groups) groups")
        }
        let out = try Tensor(zeros: x.shape, dtype: x.dtype)
        Layout.shuffle(x.storage.bytes, x.shape, axis: ax, groups: groups, out.storage.bytes)
        return out
    }

    /// Rows of `table` (V, …) selected by int32 `indices` of any shape.
    public static func gather(_ table: Tensor, _ indices: Tensor, pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(table, "gather"); try requireInt(indices, "gather")
        guard table.rank >= 1 else { throw TensorError("gather", "table must have rank ≥ 1, got \(formatShape(table.shape))") }
        let d = table.shape.dropFirst().reduce(1, *)
        let out = try Tensor(zeros: indices.shape + table.shape.dropFirst())
        try Gather.rows(fptr(table), tableRows: table.shape[0], d: d, iptr(indices), count: indices.count, mptr(out), pool: pool)
        return out
    }

    /// The adjoint of `gather`: a (rows, …) tensor with `src` rows added at `indices`.
    public static func scatterAdd(_ src: Tensor, _ indices: Tensor, rows: Int, pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(src, "scatter_add"); try requireInt(indices, "scatter_add")
        guard src.shape.starts(with: indices.shape) else {
            throw TensorError("scatter_add", "source \(formatShape(src.shape)) does not start with index shape \(formatShape(indices.shape))")
        }
        let rowShape = Array(src.shape.dropFirst(indices.rank))
        let out = try Tensor(zeros: [rows] + rowShape)
        try Gather.scatterAdd(fptr(src), d: rowShape.reduce(1, *), iptr(indices), count: indices.count, mptr(out), tableRows: rows, pool: pool)
        return out
    }
}
