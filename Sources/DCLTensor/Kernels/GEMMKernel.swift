// The GEMM register tile and the packing routines that feed it.
//
// Micro-kernel: a 12×32 tile of C held in 24 SIMD16<Float> accumulators (of the 32 AVX-512
// registers), updated once per k with two 16-wide loads of packed B and twelve broadcasts of
// packed A. Measured in isolation at ~268 GFLOP/s on one Zen 5 core (peak ≈ 285).
//
// Packed layouts (both k-major, so the kernel reads them strictly sequentially):
//   A panel: for each k, MR consecutive values A[i0 ..< i0+MR, k]      (MR × kc floats)
//   B panel: for each k, NR consecutive values B[k, j0 ..< j0+NR]      (kc × NR floats)
// Rows/columns beyond the matrix edge are packed as zeros, so the kernel always computes a full
// tile; `GEMMTile.store` writes back only the valid part.

@usableFromInline typealias F16 = SIMD16<Float>

enum GEMMTile {
    static let mr = 12
    static let nr = 32

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> F16 {
        UnsafeRawPointer(p).load(as: F16.self)
    }

    /// `out[12×32] (+)= Apanel · Bpanel` over `kc` steps; `out` has row stride `ldo`. With
    /// `add` false `out` is only written. The panels must be 64-byte aligned.
    @inline(never)
    static func multiply(_ kc: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                         _ out: UnsafeMutablePointer<Float>, _ ldo: Int, _ add: Bool) {
        var c00 = F16(), c01 = F16(), c10 = F16(), c11 = F16(), c20 = F16(), c21 = F16()
        var c30 = F16(), c31 = F16(), c40 = F16(), c41 = F16(), c50 = F16(), c51 = F16()
        var c60 = F16(), c61 = F16(), c70 = F16(), c71 = F16(), c80 = F16(), c81 = F16()
        var c90 = F16(), c91 = F16(), ca0 = F16(), ca1 = F16(), cb0 = F16(), cb1 = F16()
        var pa = a, pb = b
        for _ in 0..<kc {
            let b0 = load(pb), b1 = load(pb + 16)
            var s = F16(repeating: pa[0]); c00.addProduct(s, b0); c01.addProduct(s, b1)
            s = F16(repeating: pa[1]); c10.addProduct(s, b0); c11.addProduct(s, b1)
            s = F16(repeating: pa[2]); c20.addProduct(s, b0); c21.addProduct(s, b1)
            s = F16(repeating: pa[3]); c30.addProduct(s, b0); c31.addProduct(s, b1)
            s = F16(repeating: pa[4]); c40.addProduct(s, b0); c41.addProduct(s, b1)
            s = F16(repeating: pa[5]); c50.addProduct(s, b0); c51.addProduct(s, b1)
            s = F16(repeating: pa[6]); c60.addProduct(s, b0); c61.addProduct(s, b1)
            s = F16(repeating: pa[7]); c70.addProduct(s, b0); c71.addProduct(s, b1)
            s = F16(repeating: pa[8]); c80.addProduct(s, b0); c81.addProduct(s, b1)
            s = F16(repeating: pa[9]); c90.addProduct(s, b0); c91.addProduct(s, b1)
            s = F16(repeating: pa[10]); ca0.addProduct(s, b0); ca1.addProduct(s, b1)
            s = F16(repeating: pa[11]); cb0.addProduct(s, b0); cb1.addProduct(s, b1)
            pa += 12
            pb += 32
        }
        let o = UnsafeMutableRawPointer(out)
        let rowBytes = ldo * 4
        @inline(__always) func put(_ r: Int, _ x: F16, _ y: F16) {
            let p = o + r * rowBytes
            if add {
                p.storeBytes(of: x + p.loadUnaligned(as: F16.self), as: F16.self)
                (p + 64).storeBytes(of: y + (p + 64).loadUnaligned(as: F16.self), as: F16.self)
            } else {
                p.storeBytes(of: x, as: F16.self)
                (p + 64).storeBytes(of: y, as: F16.self)
            }
        }
        put(0, c00, c01); put(1, c10, c11); put(2, c20, c21); put(3, c30, c31)
        put(4, c40, c41); put(5, c50, c51); put(6, c60, c61); put(7, c70, c71)
        put(8, c80, c81); put(9, c90, c91); put(10, ca0, ca1); put(11, cb0, cb1)
    }

    /// Packs rows `i0..<i0+rows` and depths `k0..<k0+kc` of op(A) into MR-row panels at `dst`.
    /// `op(A)[i, k]` is `a[i*lda + k]`, or `a[k*lda + i]` when `trans`.
    static func packA(_ a: UnsafePointer<Float>, lda: Int, trans: Bool, i0: Int, rows: Int,
                      k0: Int, kc: Int, dst: UnsafeMutablePointer<Float>) {
        var panel = 0
        while panel * mr < rows {
            let base = dst + panel * mr * kc
            let r0 = i0 + panel * mr
            let valid = min(mr, rows - panel * mr)
            if trans {
                // Column k of op(A) is contiguous: copy `valid` values per k.
                for k in 0..<kc {
                    let src = a + (k0 + k) * lda + r0
                    let d = base + k * mr
                    for r in 0..<valid { d[r] = src[r] }
                    for r in valid..<mr { d[r] = 0 }
                }
            } else {
                // Rows of op(A) are contiguous in k: transpose 16(k)×16(row) blocks in registers
                // (rows ≥ `valid` read as zeros) and store the first MR lanes of each column.
                // Each 16-lane store spills 4 lanes into the next k's slot, which the next store
                // (or the next panel, or the slack the caller allocates) overwrites.
                let rows = a + r0 * lda + k0
                var k = 0
                while k + 16 <= kc {
                    var t = Transpose16.load(rows + k, lda, valid)
                    Transpose16.run(&t)
                    Transpose16.storeStrided(t, base + k * mr, stride: mr)
                    k += 16
                }
                while k < kc {
                    let d = base + k * mr
                    for r in 0..<valid { d[r] = rows[r * lda + k] }
                    for r in valid..<mr { d[r] = 0 }
                    k += 1
                }
            }
            panel += 1
        }
    }

    /// Packs depths `k0..<k0+kc` and columns `j0..<j0+cols` of op(B) into NR-column panels.
    /// `op(B)[k, j]` is `b[k*ldb + j]`, or `b[j*ldb + k]` when `trans`.
    static func packB(_ b: UnsafePointer<Float>, ldb: Int, trans: Bool, k0: Int, kc: Int,
                      j0: Int, cols: Int, dst: UnsafeMutablePointer<Float>) {
        var panel = 0
        while panel * nr < cols {
            let base = dst + panel * nr * kc
            let c0 = j0 + panel * nr
            let valid = min(nr, cols - panel * nr)
            if !trans {
                if valid == nr {
                    for k in 0..<kc {
                        let src = UnsafeRawPointer(b + (k0 + k) * ldb + c0)
                        let d = UnsafeMutableRawPointer(base + k * nr)
                        d.storeBytes(of: src.loadUnaligned(as: F16.self), as: F16.self)
                        (d + 64).storeBytes(of: (src + 64).loadUnaligned(as: F16.self), as: F16.self)
                    }
                } else {
                    for k in 0..<kc {
                        let src = b + (k0 + k) * ldb + c0
                        let d = base + k * nr
                        for j in 0..<valid { d[j] = src[j] }
                        for j in valid..<nr { d[j] = 0 }
                    }
                }
            } else {
                // Rows of B^T are contiguous in k: transpose 16(j)×16(k) blocks in registers and
                // store each k's 16 values at their place in the NR-wide panel row.
                for half in 0..<2 {
                    let rows = b + (c0 + half * 16) * ldb + k0
                    let halfValid = max(0, min(16, valid - half * 16))
                    var k = 0
                    while k + 16 <= kc {
                        var t = Transpose16.load(rows + k, ldb, halfValid)
                        Transpose16.run(&t)
                        Transpose16.storeStrided(t, base + k * nr + half * 16, stride: nr)
                        k += 16
                    }
                    while k < kc {
                        let d = base + k * nr + half * 16
                        for j in 0..<halfValid { d[j] = rows[j * ldb + k] }
                        for j in halfValid..<16 { d[j] = 0 }
                        k += 1
                    }
                }
            }
            panel += 1
        }
    }
}

/// A 16×16 float transpose in registers: four rounds of "unzip" (even/odd lanes of adjacent row
/// pairs) rotate the 8 address bits (row, column) by four, i.e. swap row and column. LLVM lowers
/// each round to `vpermt2ps`, ~0.6 cycles per element against ~1 for scalar gathers.
enum Transpose16 {
    typealias Block = (F16, F16, F16, F16, F16, F16, F16, F16, F16, F16, F16, F16, F16, F16, F16, F16)

    /// Loads 16 lanes from each of rows `0..<valid` at `p + i*ld`; rows from `valid` on are zeros.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ ld: Int, _ valid: Int) -> Block {
        @inline(__always) func l(_ i: Int) -> F16 {
            i < valid ? UnsafeRawPointer(p + i * ld).loadUnaligned(as: F16.self) : F16()
        }
        return (l(0), l(1), l(2), l(3), l(4), l(5), l(6), l(7), l(8), l(9), l(10), l(11), l(12), l(13), l(14), l(15))
    }

    @inline(__always)
    static func round(_ r: inout Block) {
        let e = unzipEven, o = unzipOdd
        r = (e(r.0, r.1), e(r.2, r.3), e(r.4, r.5), e(r.6, r.7), e(r.8, r.9), e(r.10, r.11), e(r.12, r.13), e(r.14, r.15),
             o(r.0, r.1), o(r.2, r.3), o(r.4, r.5), o(r.6, r.7), o(r.8, r.9), o(r.10, r.11), o(r.12, r.13), o(r.14, r.15))
    }

    @inline(__always)
    static func run(_ t: inout Block) {
        round(&t); round(&t); round(&t); round(&t)
    }

    /// Stores row i of the block (16 lanes) at `dst + i*stride`, in increasing i.
    @inline(__always)
    static func storeStrided(_ t: Block, _ dst: UnsafeMutablePointer<Float>, stride: Int) {
        @inline(__always) func s(_ i: Int, _ v: F16) {
            UnsafeMutableRawPointer(dst + i * stride).storeBytes(of: v, as: F16.self)
        }
        s(0, t.0); s(1, t.1); s(2, t.2); s(3, t.3); s(4, t.4); s(5, t.5); s(6, t.6); s(7, t.7)
        s(8, t.8); s(9, t.9); s(10, t.10); s(11, t.11); s(12, t.12); s(13, t.13); s(14, t.14); s(15, t.15)
    }
}

/// Even lanes of the 32-lane concatenation a‖b. Written out lane by lane: LLVM folds the chain
/// into one `vpermt2ps`, whereas the standard library's generic `SIMD32.evenHalf` is often left
/// as an out-of-line call returning through four xmm registers.
@inline(__always)
func unzipEven(_ a: F16, _ b: F16) -> F16 {
    F16(a[0], a[2], a[4], a[6], a[8], a[10], a[12], a[14], b[0], b[2], b[4], b[6], b[8], b[10], b[12], b[14])
}

/// Odd lanes of the 32-lane concatenation a‖b (see `unzipEven`).
@inline(__always)
func unzipOdd(_ a: F16, _ b: F16) -> F16 {
    F16(a[1], a[3], a[5], a[7], a[9], a[11], a[13], a[15], b[1], b[3], b[5], b[7], b[9], b[11], b[13], b[15])
}
