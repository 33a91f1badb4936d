// Block-diagonal ("partitioned") linear layer from ICIIA: the input features are cut into P
// equal blocks and block p is multiplied by its own weight W[p] (out/P × in/P):
//   y[:, p·o ..< (p+1)·o] = x[:, p·i ..< (p+1)·i] · W[p]ᵀ          (o = out/P, i = in/P)
// Parameters and FLOPs are 1/P of a dense layer. Large blocks use the GEMM; tiny blocks (P=256
// on 1280 features gives 5×5 blocks) use a direct loop, where GEMM packing would dominate. The
// weight gradient is one GEMM per block (its K is the number of rows, never tiny in training).

/// Block-diagonal linear kernels on raw buffers. x is (rows × in), W is (P × o × i).
public enum PartitionedLinear {
    static let directLimit = 16

    /// y (rows × out) = blockdiag(W) applied to x.
    public static func forward(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, _ w: UnsafePointer<Float>,
                               blocks: Int, outFeatures: Int, _ y: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
        let bi = inFeatures / blocks, bo = outFeatures / blocks
        if bi <= directLimit && bo <= directLimit && bo % 8 == 0 {
            forwardDirect8(x, rows: rows, inFeatures: inFeatures, w, blocks: blocks, outFeatures: outFeatures, y, pool: pool)
            return
        }
        if bi <= directLimit && bo <= directLimit {
            pool.parallelRows(rows, costPerRow: inFeatures * bo, family: .direct) { r in
                for p in 0..<blocks {
                    let xr = x + r * inFeatures + p * bi, wp = w + p * bo * bi, yr = y + r * outFeatures + p * bo
                    for o in 0..<bo {
                        var s: Float = 0
                        for q in 0..<bi { s += xr[q] * wp[o * bi + q] }
                        yr[o] = s
                    }
                }
            }
            return
        }
        for p in 0..<blocks {
            GEMM.sgemm(m: rows, n: bo, k: bi, a: x + p * bi, lda: inFeatures, b: w + p * bo * bi, ldb: bi, transB: true,
                       c: y + p * bo, ldc: outFeatures, pool: pool)
        }
    }

    /// The direct path for blocks of 8 or 16 outputs, eight outputs per vector. W[p] is first
    /// transposed to (in/P × out/P) so a row of it is eight adjacent outputs; each output still
    /// adds its products in input order with a separate multiply and add (no FMA), exactly as
    /// the scalar loop does, so the results are bit-identical to it.
    static func forwardDirect8(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, _ w: UnsafePointer<Float>,
                               blocks: Int, outFeatures: Int, _ y: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let bi = inFeatures / blocks, bo = outFeatures / blocks
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, blocks * bi * bo)) { buf in
            let wt = buf.baseAddress!
            for p in 0..<blocks {
                let wp = w + p * bo * bi, tp = wt + p * bi * bo
                for o in 0..<bo { for q in 0..<bi { tp[q * bo + o] = wp[o * bi + q] } }
            }
            pool.parallelRows(rows, costPerRow: inFeatures * bo, family: .direct) { r in
                for p in 0..<blocks {
                    let xr = x + r * inFeatures + p * bi, tp = UnsafeRawPointer(wt + p * bi * bo)
                    let yr = UnsafeMutableRawPointer(y + r * outFeatures + p * bo)
                    var o = 0
                    while o < bo {
                        var acc = SIMD8<Float>(repeating: 0)
                        for q in 0..<bi {
                            acc = acc + SIMD8(repeating: xr[q]) * tp.loadUnaligned(fromByteOffset: (q * bo + o) * 4, as: SIMD8<Float>.self)
                        }
                        yr.storeBytes(of: acc, toByteOffset: o * 4, as: SIMD8<Float>.self)
                        o += 8
                    }
                }
            }
        }
    }

    /// dx (rows × in) = blockdiag(W)ᵀ applied to dy.
    public static func backwardInput(_ dy: UnsafePointer<Float>, rows: Int, outFeatures: Int, _ w: UnsafePointer<Float>,
                                     blocks: Int, inFeatures: Int, _ dx: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
        let bi = inFeatures / blocks, bo = outFeatures / blocks
        if bi <= directLimit && bo <= directLimit {
            pool.parallelRows(rows, costPerRow: inFeatures * bo, family: .direct) { r in
                for p in 0..<blocks {
                    let gr = dy + r * outFeatures + p * bo, wp = w + p * bo * bi, dr = dx + r * inFeatures + p * bi
                    for q in 0..<bi {
                        var s: Float = 0
                        for o in 0..<bo { s += gr[o] * wp[o * bi + q] }
                        dr[q] = s
                    }
                }
            }
            return
        }
        for p in 0..<blocks {
            GEMM.sgemm(m: rows, n: bi, k: bo, a: dy + p * bo, lda: outFeatures, b: w + p * bo * bi, ldb: bi,
                       c: dx + p * bi, ldc: inFeatures, pool: pool)
        }
    }

    /// dW[p] (o × i) = dy_pᵀ · x_p: one GEMM per block, read in place (no transposed copies of
    /// x or dy). Each block is the multiply a batched matmul of the transposed copies does — same
    /// m, n, k and so the same kernel and summation order — so results are bit-identical to
    /// building the gradient from transpose + matmul, for every block size and thread count.
    public static func backwardWeight(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                                      outFeatures: Int, blocks: Int, _ dw: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
        let bi = inFeatures / blocks, bo = outFeatures / blocks
        pool.parallelTasks(blocks, costPerTask: Double(bo) * Double(bi) * Double(rows), family: .gemm) { p, inner in
            GEMM.sgemm(m: bo, n: bi, k: rows, a: dy + p * bo, lda: outFeatures, transA: true, b: x + p * bi, ldb: inFeatures,
                       c: dw + p * bo * bi, ldc: bi, pool: inner)
        }
    }
}
