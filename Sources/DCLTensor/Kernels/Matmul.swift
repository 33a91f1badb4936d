// Matrix multiplication on tensors of rank ≥ 2: the last two axes are the matrices, leading
// axes are batch axes that broadcast (numpy `matmul` rules).
//
// Threads: many small matrices (attention heads) run one matrix per task with serial GEMMs;
// few large ones run one after another with the parallel GEMM (the driver's `parallelTasks`). Either way each output
// element is computed by one GEMM call with a fixed K order.

/// Batched matmul on raw buffers.
public enum Matmul {
    /// Output shape of op(a)·op(b), or a thrown error naming both shapes.
    public static func outputShape(_ a: [Int], _ b: [Int], transposeA: Bool, transposeB: Bool, op: String = "matmul") throws -> [Int] {
        guard a.count >= 2, b.count >= 2 else {
            throw TensorError(op, "operands need rank ≥ 2, got \(formatShape(a)) and \(formatShape(b))")
        }
        let (m, ka) = transposeA ? (a[a.count - 1], a[a.count - 2]) : (a[a.count - 2], a[a.count - 1])
        let (kb, n) = transposeB ? (b[b.count - 1], b[b.count - 2]) : (b[b.count - 2], b[b.count - 1])
        guard ka == kb else {
            throw TensorError(op, "inner dimensions differ: \(formatShape(a))\(transposeA ? "ᵀ" : "") · \(formatShape(b))\(transposeB ? "ᵀ" : "") (\(ka) vs \(kb))")
        }
        let batch = try broadcastShapes(Array(a.dropLast(2)), Array(b.dropLast(2)), op: op)
        return batch + [m, n]
    }

    /// out = op(a)·op(b) (+ epilogue); `outShape` from `outputShape`.
    public static func run(_ a: UnsafePointer<Float>, _ aShape: [Int], transposeA: Bool,
                           _ b: UnsafePointer<Float>, _ bShape: [Int], transposeB: Bool,
                           _ out: UnsafeMutablePointer<Float>, _ outShape: [Int],
                           epilogue: GEMMEpilogue = .none, pool: ThreadPool = .shared) {
        let m = outShape[outShape.count - 2], n = outShape[outShape.count - 1]
        let k = transposeA ? aShape[aShape.count - 2] : aShape[aShape.count - 1]
        let lda = aShape[aShape.count - 1], ldb = bShape[bShape.count - 1]
        let batchShape = Array(outShape.dropLast(2))
        let batch = batchShape.reduce(1, *)
        let aMat = aShape[aShape.count - 2] * lda, bMat = bShape[bShape.count - 2] * ldb
        let aStr = Elementwise.broadcastStrides(Array(aShape.dropLast(2)), batchShape)
        let bStr = Elementwise.broadcastStrides(Array(bShape.dropLast(2)), batchShape)
        func one(_ t: Int, _ p: ThreadPool) {
            var rem = t, ao = 0, bo = 0
            for d in stride(from: batchShape.count - 1, through: 0, by: -1) {
                let q = rem % batchShape[d]
                rem /= batchShape[d]
                ao += q * aStr[d]
                bo += q * bStr[d]
            }
            GEMM.sgemm(m: m, n: n, k: k, a: a + ao * aMat, lda: lda, transA: transposeA,
                       b: b + bo * bMat, ldb: ldb, transB: transposeB,
                       c: out + t * m * n, ldc: n, epilogue: epilogue, pool: p)
        }
        pool.parallelTasks(batch, costPerTask: Double(m) * Double(n) * Double(k), family: .gemm) { t, p in one(t, p) }
    }
}
