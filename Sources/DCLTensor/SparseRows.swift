// Row-sparse gradients of embedding tables: coalescing the (rows, indices) pieces that gathers'
// backward produces into unique rows, and the lazy optimiser updates that touch only those rows.
//
// A table's gradient is zero outside the rows a batch looked up, so a step should cost
// O(indices · d), not O(table). Coalescing sorts the looked-up row indices ascending and sums
// each row's contributions in the order the dense path uses, so that plain SGD gives the dense
// result bit for bit: within a piece (one gather) in index order starting from zero (as
// `scatterAdd` does), then the pieces' partial sums left to right (as autodiff's `add` of the
// dense gradients does). Unique rows are independent, so splitting them over threads cannot
// change a bit.

/// Row-sparse gradient kernels.
public enum SparseRows {
    /// One gather's contribution: `count` rows of width d, row i belonging to table row indices[i].
    public struct Piece {
        public var rows: UnsafePointer<Float>
        public var indices: UnsafePointer<Int32>
        public var count: Int

        public init(rows: UnsafePointer<Float>, indices: UnsafePointer<Int32>, count: Int) {
            self.rows = rows
            self.indices = indices
            self.count = count
        }
    }

    /// Coalesces `pieces` into `outIndices` (ascending, unique) and `outRows` (their summed
    /// rows) and returns the number of unique rows. The outputs hold capacity = the pieces'
    /// total count; slots past the result get index 0 and a zero row, so a norm over the whole
    /// buffer is the gradient's norm. Throws naming the first index outside `0..<tableRows`.
    public static func coalesce(_ pieces: [Piece], d: Int, tableRows: Int, outIndices: UnsafeMutablePointer<Int32>,
                                outRows: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) throws -> Int {
        var starts = [0]
        for p in pieces {
            try Gather.validate(p.indices, p.count, rows: tableRows, op: "coalesce_rows")
            let (s, o) = starts.last!.addingReportingOverflow(p.count)
            // Positions are packed into 32 bits of the sort key below, and the count is an int32.
            guard !o, s <= Int(Int32.max) else { throw TensorError("coalesce_rows", "more than \(Int32.max) looked-up rows") }
            starts.append(s)
        }
        let total = starts.last!
        // Key = row index (high 32 bits) · position in the concatenated pieces (low 32 bits):
        // unique keys, so the sorted order is fixed, and each row's entries come out in
        // position order (piece order, then index order).
        var keys = [UInt64]()
        keys.reserveCapacity(total)
        for (k, p) in pieces.enumerated() {
            for i in 0..<p.count { keys.append(UInt64(UInt32(p.indices[i])) << 32 | UInt64(starts[k] + i)) }
        }
        keys.sort()
        var groups: [Int] = []   // start of each unique row's run of keys
        for e in 0..<total where e == 0 || keys[e] >> 32 != keys[e - 1] >> 32 { groups.append(e) }
        let unique = groups.count
        groups.append(total)
        keys.withUnsafeBufferPointer { keys in
            groups.withUnsafeBufferPointer { groups in
                starts.withUnsafeBufferPointer { starts in
                    pool.parallelRows(unique, costPerRow: d * max(1, pieces.count), family: .gather) { g in
                        let out = outRows + g * d
                        outIndices[g] = Int32(truncatingIfNeeded: keys[groups[g]] >> 32)
                        var e = groups[g]
                        func accumulate(_ k: Int, into dst: UnsafeMutablePointer<Float>) {
                            dst.update(repeating: 0, count: d)
                            while e < groups[g + 1], Int(keys[e] & 0xFFFF_FFFF) < starts[k + 1] {
                                Elementwise.addInPlace(dst, pieces[k].rows + (Int(keys[e] & 0xFFFF_FFFF) - starts[k]) * d, d)
                                e += 1
                            }
                        }
                        accumulate(0, into: out)
                        guard pieces.count > 1 else { return }
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, d)) { tmp in
                            // A piece that missed this row still adds its zero, as the dense add does.
                            for k in 1..<pieces.count {
                                accumulate(k, into: tmp.baseAddress!)
                                Elementwise.addInPlace(out, UnsafePointer(tmp.baseAddress!), d)
                            }
                        }
                    }
                }
            }
        }
        if unique < total {
            (outIndices + unique).update(repeating: 0, count: total - unique)
            (outRows + unique * d).update(repeating: 0, count: (total - unique) * d)
        }
        return unique
    }

    /// Checks a row-sparse gradient's count and row indices before an update writes through them.
    public static func validate(count: Int, capacity: Int, _ indices: UnsafePointer<Int32>, tableRows: Int, op: String) throws {
        guard count >= 0, count <= capacity else {
            throw TensorError(op, "row count \(count) is outside 0…\(capacity) (the gradient's capacity)")
        }
        try Gather.validate(indices, count, rows: tableRows, op: op)
    }

    /// SGD on the `count` rows `indices` of a table of rows of width d: the dense rule
    /// (`OptimizerKernels.sgd`) applied to those rows only. Without momentum and weight decay
    /// this is the dense update exactly (untouched rows have a zero gradient and do not move);
    /// with them, untouched rows keep their momentum and are not decayed (lazy semantics).
    /// `indices` must be unique.
    public static func sgd(param p: UnsafeMutablePointer<Float>, indices: UnsafePointer<Int32>, rows g: UnsafePointer<Float>,
                           count: Int, d: Int, buffer: UnsafeMutablePointer<Float>?, lr: Float, momentum: Float, nesterov: Bool,
                           weightDecay: Float, gradScale: Float, first: Bool, pool: ThreadPool = .serial) {
        pool.parallelRows(count, costPerRow: 2 * d, family: .elementwise) { r in
            let off = Int(indices[r]) * d
            OptimizerKernels.sgdSerial(param: p + off, grad: g + r * d, buffer: buffer.map { $0 + off }, count: d, lr: lr,
                                       momentum: momentum, nesterov: nesterov, weightDecay: weightDecay, gradScale: gradScale,
                                       first: first)
        }
    }

    /// Lazy Adam/AdamW on the `count` rows `indices`: only those rows' parameters and moments
    /// change; bias correction uses the global `step` (1-based), as TensorFlow Addons' LazyAdam
    /// and PyTorch's SparseAdam do. Weight decay (L2 or decoupled) applies to those rows only.
    /// `indices` must be unique.
    public static func adam(param p: UnsafeMutablePointer<Float>, indices: UnsafePointer<Int32>, rows g: UnsafePointer<Float>,
                            count: Int, d: Int, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, lr: Float,
                            step: Int, beta1: Float, beta2: Float, eps: Float, weightDecay: Float, decoupled: Bool,
                            gradScale: Float, pool: ThreadPool = .serial) {
        let c = AdamCoefficients(lr: lr, step: step, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                                 decoupled: decoupled, gradScale: gradScale)
        pool.parallelRows(count, costPerRow: 4 * d, family: .elementwise) { r in
            let off = Int(indices[r]) * d
            c.apply(param: p + off, grad: g + r * d, m: m + off, v: v + off, count: d)
        }
    }
}
