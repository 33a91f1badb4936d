// The narrow-N GEMM (`GEMMSmall.narrow`) for N ≤ 8: the same sums with 8-lane vectors.
//
// Why: the 16-lane kernel computes 16 columns whatever N is, and on AVX2 a 16-lane vector is two
// registers, so a matrix-vector product (N = 1: one query against a tile of users in
// `TopKSearch`, a batch-1 layer) spent 15/16 of its multiply-adds on padding. Here a row costs
// one 8-lane multiply-add per k. Blocks are 6 rows: LLVM issues a block's broadcasts before its
// multiply-adds, so 8 rows need 8 accumulators + 8 broadcasts + the B row = 17 registers, and
// the one spilled accumulator made every k wait on a store-to-load round trip (8 and 12 rows
// both ran at ~1.6 cycles a multiply-add). Six chains do not hide the 4-cycle FMA latency
// either, so a matrix-vector product runs at ~4 cycles per k per 6 rows: measured 2048×16·16×1
// in 18 µs against 33–53 µs on the 16-lane kernel (which computes 16 columns whatever N is),
// 2048×64·64×1 in 46 µs. Each element is still one accumulator summed over k in order from zero —
// the 16-lane kernel's sum exactly — so which kernel runs never changes a result.

typealias F8 = SIMD8<Float>

extension GEMMSmall {
    /// Rows of C per block of `narrow8`.
    static let narrow8Rows = 6

    /// C[m×n] (+)= op(A)·op(B) for n ≤ 8, rows split over the pool.
    static func narrow8(_ j: GEMM.Job, pool: ThreadPool) {
        let (m, n, k) = (j.m, j.n, j.k)
        // Zero-padded K×8 copy of op(B): at most 8 columns, so a scalar copy is negligible.
        let strip = UnsafeMutablePointer<F8>.allocate(capacity: max(1, k))
        defer { strip.deallocate() }
        for p in 0..<k {
            var v = F8()
            for q in 0..<n { v[q] = j.transB ? j.b[q * j.ldb + p] : j.b[p * j.ldb + q] }
            strip[p] = v
        }
        let rowsPerBlock = narrow8Rows
        let blocks = (m + rowsPerBlock - 1) / rowsPerBlock
        let body: (Int) -> Void = { blk in
            let i0 = blk * rowsPerBlock, rows = min(rowsPerBlock, m - i0)
            var acc = (F8(), F8(), F8(), F8(), F8(), F8())
            // Rows past the edge repeat the last valid row (their results are discarded).
            let step = j.transA ? j.lda : 1
            @inline(__always) func base(_ r: Int) -> UnsafePointer<Float> {
                let i = i0 + min(r, rows - 1)
                return j.transA ? j.a + i : j.a + i * j.lda
            }
            let a0 = base(0), a1 = base(1), a2 = base(2), a3 = base(3), a4 = base(4), a5 = base(5)
            var off = 0
            for p in 0..<k {
                let b = strip[p]
                acc.0.addProduct(F8(repeating: a0[off]), b)
                acc.1.addProduct(F8(repeating: a1[off]), b)
                acc.2.addProduct(F8(repeating: a2[off]), b)
                acc.3.addProduct(F8(repeating: a3[off]), b)
                acc.4.addProduct(F8(repeating: a4[off]), b)
                acc.5.addProduct(F8(repeating: a5[off]), b)
                off &+= step
            }
            // Spill the block once and write its valid rows (a switch per row would do the same).
            withUnsafeBytes(of: acc) { raw in
                for r in 0..<rows {
                    finish8(j, raw.load(fromByteOffset: r * MemoryLayout<F8>.stride, as: F8.self), row: i0 + r, count: n)
                }
            }
        }
        runBlocks(blocks, multiplyAdds: Double(m) * Double(n) * Double(k), pool, body)
    }

    /// Writes (or adds) `count` lanes of `v` to C[row, 0…] and applies the epilogue.
    @inline(__always)
    static func finish8(_ j: GEMM.Job, _ v: F8, row: Int, count: Int) {
        let dst = j.c + row * j.ldc
        if j.accumulate { for q in 0..<count { dst[q] += v[q] } } else { for q in 0..<count { dst[q] = v[q] } }
        if !j.epilogue.isTrivial { GEMM.applyEpilogue(j.epilogue, row: dst, i: row, j0: 0, count: count) }
    }
}
