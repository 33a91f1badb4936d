// Single-precision GEMM driver: C = op(A)·op(B) (+ C) with a fused epilogue.
//
// Goto/BLIS structure: the N dimension is cut into NC-wide blocks, K into KC-deep blocks (one
// packed B block per (jc, pc), kept in L2/L3), M into MC-row blocks (one packed A block, kept in
// L2), and each 12×32 register tile is computed by `GEMMTile.multiply`.
//
// Threads split M or N — never K — into one contiguous range per thread, so every element of C
// is summed over k in the same order whatever the thread count: results are bit-identical for
// 1, 2 or 64 threads. The split goes along the dimension whose split duplicates less packing.

/// What to apply to each element of C after the last K block: `C[i,j] += colBias[j] + rowBias[i]`,
/// then the activation.
public struct GEMMEpilogue {
    /// Added to every row: length N (a linear layer's bias).
    public var columnBias: UnsafePointer<Float>?
    /// Added to every column: length M (a conv layer's bias in the W·cols form).
    public var rowBias: UnsafePointer<Float>?
    /// Applied last.
    public var activation: Activation

    public init(columnBias: UnsafePointer<Float>? = nil, rowBias: UnsafePointer<Float>? = nil,
                activation: Activation = .identity) {
        self.columnBias = columnBias
        self.rowBias = rowBias
        self.activation = activation
    }

    public static let none = GEMMEpilogue()

    var isTrivial: Bool {
        if case .identity = activation { return columnBias == nil && rowBias == nil }
        return false
    }
}

/// Dense single-precision matrix multiplication on raw row-major buffers.
public enum GEMM {
    // Blocking, tuned on Zen 5 (48 KiB L1d, 1 MiB L2 per core) over 256–2048 squares and the
    // MLP shapes: a 384-deep B micro-panel (48 KiB) streams through L1 while a 72×384 A block
    // (108 KiB) stays in L2 and the 384×1024 B block (1.5 MiB) in L3. Larger NC or smaller KC
    // lost 5–8% at 2048 (C rows 8 KiB apart evict each other more often per K block).
    static let kcMax = 384
    static let mcMax = 72
    static let ncMax = 1024

    /// `C[m×n] = op(A)[m×k] · op(B)[k×n]`, or `C += …` when `accumulate`, then `epilogue`.
    ///
    /// `op(A)[i,p]` is `a[i*lda + p]`, or `a[p*lda + i]` if `transA`; likewise for B.
    /// When `accumulate` is false C is only written, never read (it may hold garbage).
    public static func sgemm(m: Int, n: Int, k: Int,
                             a: UnsafePointer<Float>, lda: Int, transA: Bool = false,
                             b: UnsafePointer<Float>, ldb: Int, transB: Bool = false,
                             c: UnsafeMutablePointer<Float>, ldc: Int,
                             accumulate: Bool = false, epilogue: GEMMEpilogue = .none,
                             pool: ThreadPool = .shared) {
        if m <= 0 || n <= 0 { return }
        if k <= 0 {
            for i in 0..<m {
                let row = c + i * ldc
                if !accumulate { row.update(repeating: 0, count: n) }
                applyEpilogue(epilogue, row: row, i: i, j0: 0, count: n)
            }
            return
        }
        let job = Job(m: m, n: n, k: k, a: a, lda: lda, transA: transA, b: b, ldb: ldb,
                      transB: transB, c: c, ldc: ldc, accumulate: accumulate, epilogue: epilogue)
        if GEMMSmall.useNarrow(m: m, n: n, k: k) {
            GEMMSmall.narrow(job, pool: pool)
            return
        }
        if GEMMSmall.useShort(m: m, n: n, k: k, transB: transB) {
            GEMMSmall.short(job, pool: pool)
            return
        }
        // The driver decides how many threads the multiply-adds pay for (Parallel.swift).
        let threads = pool.threads(forWork: Double(m) * Double(n) * Double(k), .gemm)
        if threads == 1 {
            job.run(rows: 0..<m, cols: 0..<n)
            return
        }
        let mPanels = (m + GEMMTile.mr - 1) / GEMMTile.mr
        let nPanels = (n + GEMMTile.nr - 1) / GEMMTile.nr
        // Splitting N makes every thread pack all of A; splitting M, all of B. Packing a
        // row-major A (or a transposed B) goes through register transposes and costs about three
        // times a straight copy, so weigh the duplicated packing accordingly.
        let aCost = (transA ? 1 : 3) * m * k, bCost = (transB ? 3 : 1) * k * n
        let splitNCost = aCost + bCost / threads, splitMCost = aCost / threads + bCost
        let splitN = nPanels >= threads && (mPanels < threads || splitNCost < splitMCost)
        if splitN {
            pool.parallelRanges(nPanels, parts: threads) { r in
                job.run(rows: 0..<m, cols: (r.lowerBound * GEMMTile.nr)..<min(n, r.upperBound * GEMMTile.nr))
            }
        } else {
            pool.parallelRanges(mPanels, parts: threads) { r in
                job.run(rows: (r.lowerBound * GEMMTile.mr)..<min(m, r.upperBound * GEMMTile.mr), cols: 0..<n)
            }
        }
    }

    /// True if this shape sums every element of C in one chain — one accumulator from +0, one
    /// fused multiply-add per k in increasing order, then (if `accumulate`) one add to C — as the
    /// narrow and short kernels always do and the blocked path does when K fits one block. A
    /// kernel doing the same reproduces the GEMM bit for bit (the direct convolutions rely on it:
    /// keep this in step with the dispatch in `sgemm`).
    static func sumsInOneChain(m: Int, n: Int, k: Int, transB: Bool) -> Bool {
        GEMMSmall.useNarrow(m: m, n: n, k: k) || GEMMSmall.useShort(m: m, n: n, k: k, transB: transB) || k <= kcMax
    }

    /// Applies the epilogue to `count` finished elements of row `i`, starting at column `j0`.
    @inline(__always)
    static func applyEpilogue(_ e: GEMMEpilogue, row: UnsafeMutablePointer<Float>, i: Int, j0: Int, count: Int) {
        if let cb = e.columnBias {
            Elementwise.addInPlace(row, cb + j0, count)
        }
        if let rb = e.rowBias {
            Elementwise.addScalarInPlace(row, rb[i], count)
        }
        if case .identity = e.activation { return }
        Activations.forwardInPlace(e.activation, row, count)
    }

    /// One GEMM problem; `run` computes a rectangle of C serially.
    struct Job {
        let m, n, k: Int
        let a: UnsafePointer<Float>, lda: Int, transA: Bool
        let b: UnsafePointer<Float>, ldb: Int, transB: Bool
        let c: UnsafeMutablePointer<Float>, ldc: Int
        let accumulate: Bool
        let epilogue: GEMMEpilogue

        func run(rows: Range<Int>, cols: Range<Int>) {
            let mr = GEMMTile.mr, nr = GEMMTile.nr
            // Balanced K blocks: 784 = 4 × 196 rather than 3 × 256 + 16.
            let kBlocks = (k + kcMax - 1) / kcMax
            // Rounded up to 16 so that packing A transposes whole 16×16 blocks (no scalar tail).
            let kcStep = min(kcMax, ((k + kBlocks - 1) / kBlocks + 15) / 16 * 16)
            let ncCap = min(ncMax, ((cols.count + nr - 1) / nr) * nr)
            let mcCap = min(mcMax, ((rows.count + mr - 1) / mr) * mr)
            let aFloats = mcCap * kcStep, bFloats = kcStep * ncCap
            // +16 floats of slack after the A block for `packA`'s overlapping 16-lane stores.
            let scratch = ThreadScratch.current.floats(bFloats + aFloats + 16 + mr * nr + 32, slot: .gemm)
            let bPack = scratch
            let aPack = scratch + bFloats
            let tile = aPack + aFloats + 16
            var jc = cols.lowerBound
            while jc < cols.upperBound {
                let nc = min(ncCap, cols.upperBound - jc)
                var pc = 0
                while pc < k {
                    let kc = min(kcStep, k - pc)
                    let first = pc == 0, last = pc + kc == k
                    GEMMTile.packB(b, ldb: ldb, trans: transB, k0: pc, kc: kc, j0: jc, cols: nc, dst: bPack)
                    var ic = rows.lowerBound
                    while ic < rows.upperBound {
                        let mc = min(mcCap, rows.upperBound - ic)
                        GEMMTile.packA(a, lda: lda, trans: transA, i0: ic, rows: mc, k0: pc, kc: kc, dst: aPack)
                        var jr = 0
                        while jr < nc {
                            let bPanel = bPack + jr * kc
                            let cols = min(nr, nc - jr)
                            let add = accumulate || !first
                            var ir = 0
                            while ir < mc {
                                let rows = min(mr, mc - ir)
                                if rows == mr && cols == nr {
                                    // Full tile: the kernel updates C directly.
                                    let cTile = c + (ic + ir) * ldc + jc + jr
                                    GEMMTile.multiply(kc, aPack + ir * kc, bPanel, cTile, ldc, add)
                                    if last && !epilogue.isTrivial {
                                        for r in 0..<mr {
                                            GEMM.applyEpilogue(epilogue, row: cTile + r * ldc, i: ic + ir + r, j0: jc + jr, count: nr)
                                        }
                                    }
                                } else {
                                    GEMMTile.multiply(kc, aPack + ir * kc, bPanel, tile, nr, false)
                                    store(tile, i: ic + ir, j: jc + jr, rows: rows, cols: cols, add: add, last: last)
                                }
                                ir += mr
                            }
                            jr += nr
                        }
                        ic += mc
                    }
                    pc += kc
                }
                jc += nc
            }
        }

        /// Writes (or adds) the valid `rows × cols` part of an edge tile into C at (i, j).
        @inline(__always)
        func store(_ tile: UnsafeMutablePointer<Float>, i: Int, j: Int, rows: Int, cols: Int,
                   add: Bool, last: Bool) {
            for r in 0..<rows {
                let dst = c + (i + r) * ldc + j
                let src = tile + r * GEMMTile.nr
                if add {
                    for q in 0..<cols { dst[q] += src[q] }
                } else {
                    for q in 0..<cols { dst[q] = src[q] }
                }
                if last && !epilogue.isTrivial {
                    GEMM.applyEpilogue(epilogue, row: dst, i: i + r, j0: j, count: cols)
                }
            }
        }
    }
}
