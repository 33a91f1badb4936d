// No-gradient utilities for retrieval and evaluation: cosine similarity matrix, top-k, arg-max.
//
// Ties are broken towards the lower index everywhere, so results are deterministic.

/// Similarity and selection kernels on raw buffers.
public enum Similarity {
    /// sim (n × m) = normalise(a rows) · normalise(b rows)ᵀ for a (n × d), b (m × d). Rows with
    /// zero norm give similarity 0 (their normalised row is taken as zero).
    public static func cosineMatrix(_ a: UnsafePointer<Float>, n: Int, _ b: UnsafePointer<Float>, m: Int, d: Int,
                                    _ out: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
        let na = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n * d))
        let nb = UnsafeMutablePointer<Float>.allocate(capacity: max(1, m * d))
        defer { na.deallocate(); nb.deallocate() }
        normalizeRows(a, n, d, na)
        normalizeRows(b, m, d, nb)
        GEMM.sgemm(m: n, n: m, k: d, a: na, lda: d, b: nb, ldb: d, transB: true, c: out, ldc: m, pool: pool)
    }

    static func normalizeRows(_ x: UnsafePointer<Float>, _ rows: Int, _ d: Int, _ out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let norm = Reduction.sumOfSquares(x + r * d, d, pool: .serial).squareRoot()
            Elementwise.scale(x + r * d, norm > 0 ? 1 / norm : 0, out + r * d, d)
        }
    }

    /// The `k` largest values of each row (length `n`) in descending order, with their indices
    /// (lower index first among equal values; NaN sorts below every number).
    public static func topK(_ x: UnsafePointer<Float>, rows: Int, n: Int, k: Int,
                            values: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>) {
        for r in 0..<rows {
            let row = x + r * n
            var order = Array(0..<n)
            order.sort { i, j in
                let a = row[i], b = row[j]
                if a.isNaN != b.isNaN { return b.isNaN }
                if a != b { return a > b }
                return i < j
            }
            for q in 0..<k {
                values[r * k + q] = row[order[q]]
                indices[r * k + q] = Int32(order[q])
            }
        }
    }

    /// Index of the largest element along `axis` of `shape` (first one on ties; NaN wins like
    /// numpy's argmax).
    public static func argmax(_ x: UnsafePointer<Float>, shape: [Int], axis: Int, _ out: UnsafeMutablePointer<Int32>) {
        let (outer, n, inner) = Softmax.view(shape, axis: axis)
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * n * inner + i
                var best = 0
                var m = x[base]
                if !m.isNaN {
                    for q in 1..<max(1, n) {
                        let v = x[base + q * inner]
                        if v.isNaN { best = q; break }
                        if v > m { m = v; best = q }
                    }
                }
                out[o * inner + i] = Int32(best)
            }
        }
    }
}
