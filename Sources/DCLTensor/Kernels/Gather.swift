// Row gather (embedding lookup) and its adjoint, scatter-add.
//
// Scatter-add sums duplicate indices in index order; work is split over column blocks of the
// row width, never over indices, so the order of those sums never depends on threads.

/// Gather/scatter kernels on raw buffers.
public enum Gather {
    /// Checks every index is in `0..<rows`; throws naming the first bad one.
    public static func validate(_ idx: UnsafePointer<Int32>, _ count: Int, rows: Int, op: String) throws {
        for i in 0..<count where idx[i] < 0 || Int(idx[i]) >= rows {
            throw TensorError(op, "index \(idx[i]) at position \(i) is out of range for \(rows) rows")
        }
    }

    /// out[i, :] = table[idx[i], :] for `count` indices of rows of width `d`.
    public static func rows(_ table: UnsafePointer<Float>, tableRows: Int, d: Int, _ idx: UnsafePointer<Int32>, count: Int,
                            _ out: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) throws {
        try validate(idx, count, rows: tableRows, op: "gather")
        pool.parallelRows(count, costPerRow: d, family: .gather) { i in
            (out + i * d).update(from: table + Int(idx[i]) * d, count: d)
        }
    }

    /// out (tableRows × d) = 0; out[idx[i], :] += src[i, :] for i in index order.
    public static func scatterAdd(_ src: UnsafePointer<Float>, d: Int, _ idx: UnsafePointer<Int32>, count: Int,
                                  _ out: UnsafeMutablePointer<Float>, tableRows: Int, pool: ThreadPool = .shared) throws {
        try validate(idx, count, rows: tableRows, op: "scatter_add")
        out.update(repeating: 0, count: tableRows * d)
        let block = 256
        let blocks = (d + block - 1) / block
        pool.parallelRows(blocks, costPerRow: count * min(block, d), family: .gather) { b in
            let c0 = b * block, n = min(block, d - c0)
            for i in 0..<count {
                Elementwise.addInPlace(out + Int(idx[i]) * d + c0, src + i * d + c0, n)
            }
        }
    }
}
