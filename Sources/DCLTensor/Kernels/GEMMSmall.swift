// Packing-free kernels for GEMMs with a small side (the BLIS "sup" idea).
//
// The blocked path packs A into MR-row panels and B into NR-column panels. When one side is
// tiny — the 10-class output layer (N = 10), a 6-channel conv as W·cols (M = 6) — the 12×32
// register tile is mostly padding and packing the big operand costs as much as the multiply.
// These kernels read the big operand in place:
//   * narrow N (N ≤ 16): B is copied once into a zero-padded K×16 strip; each block of 8 rows
//     of C accumulates A[i,k]·strip[k] with A read directly (row-major or transposed); for
//     N ≤ 8 the same with an 8-lane strip and 12-row blocks (GEMMNarrow8.swift);
//   * short M (M ≤ 8): A is copied once into a zero-padded K×8 strip; each 32-column block of C
//     accumulates strip[k][r]·B[k, j..j+32] with B read directly (row-major only).
// Both sum k in order 0..<K into one accumulator per element. Which path a GEMM takes depends
// only on its shape, so results stay identical for every thread count.

enum GEMMSmall {
    /// True if `narrow` handles this problem.
    static func useNarrow(m: Int, n: Int, k: Int) -> Bool { n <= 16 && m >= 8 }

    /// True if `short` handles this problem. (It can take several 8-row blocks, but measured
    /// slower than the blocked path from M = 16 on, where the 12×32 tile is already 67% full.)
    static func useShort(m: Int, n: Int, k: Int, transB: Bool) -> Bool { m <= 8 && n >= 32 && !transB }

    /// C[m×n] (+)= op(A)·B for n ≤ 16, rows split over the pool.
    static func narrow(_ j: GEMM.Job, pool: ThreadPool) {
        // Up to 8 columns fit one 8-lane vector: the same sums at half the work or less.
        if j.n <= 8 { return narrow8(j, pool: pool) }
        let (m, n, k) = (j.m, j.n, j.k)
        // Zero-padded K×16 copy of op(B).
        let strip = UnsafeMutablePointer<F16>.allocate(capacity: max(1, k))
        defer { strip.deallocate() }
        var p0 = 0
        if j.transB {
            // Bᵀ is n rows contiguous in k: transpose 16-wide column blocks in registers.
            while p0 + 16 <= k {
                var t = Transpose16.load(j.b + p0, j.ldb, n)
                Transpose16.run(&t)
                Transpose16.storeStrided(t, UnsafeMutableRawPointer(strip + p0).assumingMemoryBound(to: Float.self), stride: 16)
                p0 += 16
            }
        }
        for p in p0..<k {
            var v = F16()
            if j.transB {
                for q in 0..<n { v[q] = j.b[q * j.ldb + p] }
            } else {
                withUnsafeMutableBytes(of: &v) { $0.baseAddress!.copyMemory(from: j.b + p * j.ldb, byteCount: n * 4) }
            }
            strip[p] = v
        }
        let blocks = (m + 7) / 8
        let body: (Int) -> Void = { blk in
            let i0 = blk * 8, rows = min(8, m - i0)
            var acc = (F16(), F16(), F16(), F16(), F16(), F16(), F16(), F16())
            // Row r of op(A) starts at base(r) and advances by `step` per k; rows past the
            // edge repeat the last valid row (their results are discarded).
            let step = j.transA ? j.lda : 1
            @inline(__always) func base(_ r: Int) -> UnsafePointer<Float> {
                let i = i0 + min(r, rows - 1)
                return j.transA ? j.a + i : j.a + i * j.lda
            }
            let a0 = base(0), a1 = base(1), a2 = base(2), a3 = base(3), a4 = base(4), a5 = base(5), a6 = base(6), a7 = base(7)
            var off = 0
            for p in 0..<k {
                let b = strip[p]
                acc.0.addProduct(F16(repeating: a0[off]), b)
                acc.1.addProduct(F16(repeating: a1[off]), b)
                acc.2.addProduct(F16(repeating: a2[off]), b)
                acc.3.addProduct(F16(repeating: a3[off]), b)
                acc.4.addProduct(F16(repeating: a4[off]), b)
                acc.5.addProduct(F16(repeating: a5[off]), b)
                acc.6.addProduct(F16(repeating: a6[off]), b)
                acc.7.addProduct(F16(repeating: a7[off]), b)
                off += step
            }
            for r in 0..<rows { finish(j, lane(acc, r), row: i0 + r, col: 0, count: n) }
        }
        runBlocks(blocks, multiplyAdds: Double(m) * Double(n) * Double(k), pool, body)
    }

    /// Runs `body` for every block, split into one contiguous range per thread the driver says
    /// the multiply-adds pay for.
    static func runBlocks(_ blocks: Int, multiplyAdds: Double, _ pool: ThreadPool, _ body: (Int) -> Void) {
        let threads = blocks > 1 ? pool.threads(forWork: multiplyAdds, .gemm) : 1
        if threads > 1 {
            pool.parallelRanges(blocks, parts: threads) { range in for blk in range { body(blk) } }
        } else {
            for blk in 0..<blocks { body(blk) }
        }
    }

    /// C[m×n] (+)= op(A)·B for m ≤ 24 and row-major B, column blocks split over the pool.
    static func short(_ j: GEMM.Job, pool: ThreadPool) {
        let (m, n, k) = (j.m, j.n, j.k)
        let rowBlocks = (m + 7) / 8
        // Zero-padded K×8 copies of op(A), one per 8-row block: strip[(rb*k + p)*8 + r].
        let strips = UnsafeMutablePointer<Float>.allocate(capacity: max(1, k) * 8 * rowBlocks)
        defer { strips.deallocate() }
        for rb in 0..<rowBlocks {
            for p in 0..<k {
                for r in 0..<8 {
                    let i = rb * 8 + r
                    strips[(rb * k + p) * 8 + r] = i < m ? (j.transA ? j.a[p * j.lda + i] : j.a[i * j.lda + p]) : 0
                }
            }
        }
        let blocks = (n + 31) / 32
        let body: (Int) -> Void = { blk in
            for rb in 0..<rowBlocks { shortBlock(j, strips + rb * k * 8, rowBase: rb * 8, rows: min(8, m - rb * 8), colBlock: blk) }
        }
        runBlocks(blocks, multiplyAdds: Double(m) * Double(n) * Double(k), pool, body)
    }

    /// Rows `rowBase ..< rowBase+rows` (≤ 8) of C in the 32-column block `colBlock`.
    @inline(__always)
    static func shortBlock(_ j: GEMM.Job, _ strip: UnsafeMutablePointer<Float>, rowBase: Int, rows: Int, colBlock blk: Int) {
        let k = j.k, n = j.n
        let c0 = blk * 32, cols = min(32, n - c0)
            var lo = (F16(), F16(), F16(), F16(), F16(), F16(), F16(), F16())
            var hi = lo
            if cols == 32 {
                for p in 0..<k {
                    let row = UnsafeRawPointer(j.b + p * j.ldb + c0)
                    let b0 = row.loadUnaligned(as: F16.self), b1 = (row + 64).loadUnaligned(as: F16.self)
                    let s = strip + p * 8
                    var x = F16(repeating: s[0]); lo.0.addProduct(x, b0); hi.0.addProduct(x, b1)
                    x = F16(repeating: s[1]); lo.1.addProduct(x, b0); hi.1.addProduct(x, b1)
                    x = F16(repeating: s[2]); lo.2.addProduct(x, b0); hi.2.addProduct(x, b1)
                    x = F16(repeating: s[3]); lo.3.addProduct(x, b0); hi.3.addProduct(x, b1)
                    x = F16(repeating: s[4]); lo.4.addProduct(x, b0); hi.4.addProduct(x, b1)
                    x = F16(repeating: s[5]); lo.5.addProduct(x, b0); hi.5.addProduct(x, b1)
                    x = F16(repeating: s[6]); lo.6.addProduct(x, b0); hi.6.addProduct(x, b1)
                    x = F16(repeating: s[7]); lo.7.addProduct(x, b0); hi.7.addProduct(x, b1)
                }
            } else {
                // Edge block: the same sums, with B's row zero-padded through a small copy.
                var pad = (F16(), F16())
                for p in 0..<k {
                    withUnsafeMutableBytes(of: &pad) { raw in
                        raw.storeBytes(of: F16(), as: F16.self)
                        raw.storeBytes(of: F16(), toByteOffset: 64, as: F16.self)
                        raw.baseAddress!.copyMemory(from: j.b + p * j.ldb + c0, byteCount: cols * 4)
                    }
                    let (b0, b1) = pad
                    let s = strip + p * 8
                    var x = F16(repeating: s[0]); lo.0.addProduct(x, b0); hi.0.addProduct(x, b1)
                    x = F16(repeating: s[1]); lo.1.addProduct(x, b0); hi.1.addProduct(x, b1)
                    x = F16(repeating: s[2]); lo.2.addProduct(x, b0); hi.2.addProduct(x, b1)
                    x = F16(repeating: s[3]); lo.3.addProduct(x, b0); hi.3.addProduct(x, b1)
                    x = F16(repeating: s[4]); lo.4.addProduct(x, b0); hi.4.addProduct(x, b1)
                    x = F16(repeating: s[5]); lo.5.addProduct(x, b0); hi.5.addProduct(x, b1)
                    x = F16(repeating: s[6]); lo.6.addProduct(x, b0); hi.6.addProduct(x, b1)
                    x = F16(repeating: s[7]); lo.7.addProduct(x, b0); hi.7.addProduct(x, b1)
                }
            }
            for r in 0..<rows {
                finish(j, lane(lo, r), row: rowBase + r, col: c0, count: min(16, cols))
                if cols > 16 { finish(j, lane(hi, r), row: rowBase + r, col: c0 + 16, count: cols - 16) }
            }
    }

    typealias Acc8 = (F16, F16, F16, F16, F16, F16, F16, F16)

    /// Accumulator `r` of eight (a switch, so the tuple stays in registers — no array).
    @inline(__always)
    static func lane(_ t: Acc8, _ r: Int) -> F16 {
        switch r {
        case 0: return t.0
        case 1: return t.1
        case 2: return t.2
        case 3: return t.3
        case 4: return t.4
        case 5: return t.5
        case 6: return t.6
        default: return t.7
        }
    }

    /// Writes (or adds) `count` lanes of `v` to C[row, col…] and applies the epilogue.
    @inline(__always)
    static func finish(_ j: GEMM.Job, _ v: F16, row: Int, col: Int, count: Int) {
        let dst = j.c + row * j.ldc + col
        var x = v
        if count == 16 {
            let p = UnsafeMutableRawPointer(dst)
            if j.accumulate { x += p.loadUnaligned(as: F16.self) }
            p.storeBytes(of: x, as: F16.self)
        } else {
            if j.accumulate { for q in 0..<count { dst[q] += x[q] } } else { for q in 0..<count { dst[q] = x[q] } }
        }
        if !j.epilogue.isTrivial { GEMM.applyEpilogue(j.epilogue, row: dst, i: row, j0: col, count: count) }
    }
}
