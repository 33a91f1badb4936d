// Direct weight gradient of one image for few output channels per group (see ConvDirect.swift).
//
// The im2col path computes one image's dwᵀ (K × Coutg) = cols · dyᵀ with the narrow GEMM
// (`GEMMSmall.narrow8`): per (k, o) one chain over the output pixels p in order from +0, lanes
// across o, and then writes it (the first image of a chunk) or adds it to the chunk's sum. Here
// the same chains read the zero-padded input planes directly instead of an im2col copy: tap
// k = (ci, i, j) at pixel (oy, ox) is padded[ci][(oy·sh + i·dh)·Wp + ox·sw + j·dw], which is
// exactly cols[k, p] (padding taps included as zeros, as im2col writes them). Any stride.

extension ConvDirect {
    /// Rows of dwᵀ per block: 3×3 kernels have K = 9·Cin, so no block has dead rows, and nine
    /// 8-lane accumulators plus the dy vector and a broadcast fit the registers.
    static let weightGradRows = 9

    /// True if `weightGradImage` gives the narrow GEMM's exact sums for this shape.
    static func backwardWeightApplies(_ s: Conv2D.Shape) -> Bool {
        guard !s.isPointwise, !s.isDepthwise, s.coutg <= maxGroupChannels,
              GEMMSmall.useNarrow(m: s.k, n: s.coutg, k: s.pix) else { return false }
        let wp = Double(s.w) + 2 * Double(s.p.padW), hp = Double(s.h) + 2 * Double(s.p.padH)
        return scratchIsReasonable(Double(s.cg) * hp * wp + 8 * Double(s.pix), s)
    }

    /// Floats of the padded planes in `weightGradImage`'s scratch, rounded up so that the dy
    /// strip after them is 32-byte aligned (it is read as `SIMD8<Float>`).
    static func weightGradPlanes(_ s: Conv2D.Shape) -> Int {
        let wp = s.w + 2 * s.p.padW, hp = s.h + 2 * s.p.padH
        return (s.cg * hp * wp + 7) / 8 * 8
    }

    /// Floats of scratch `weightGradImage` needs (from a 64-byte aligned base).
    static func weightGradScratch(_ s: Conv2D.Shape) -> Int { weightGradPlanes(s) + 8 * s.pix }

    /// dwᵀ of group `g` for image `xi`/`dyi` into `dst` ([k][coutg]): written if `first`, else added.
    static func weightGradImage(_ xi: UnsafePointer<Float>, _ dyi: UnsafePointer<Float>, _ s: Conv2D.Shape, group g: Int,
                                _ dst: UnsafeMutablePointer<Float>, first: Bool, scratch: UnsafeMutablePointer<Float>) {
        let p = s.p
        let wp = s.w + 2 * p.padW, hp = s.h + 2 * p.padH
        let plane = hp * wp
        let padded = scratch, strip = UnsafeMutableRawPointer(scratch + weightGradPlanes(s)).assumingMemoryBound(to: F8.self)
        padInput(xi, s, firstChannel: g * s.cg, count: s.cg, wp: wp, plane: plane, padded)
        // strip[p] = dy[g·coutg ..< (g+1)·coutg, p], zero-padded to 8 lanes (the narrow GEMM's B strip).
        let dyg = dyi + g * s.coutg * s.pix
        for q in 0..<s.pix {
            var v = F8()
            for o in 0..<s.coutg { v[o] = dyg[o * s.pix + q] }
            strip[q] = v
        }
        let rowStep = p.strideH * wp
        var k0 = 0
        while k0 < s.k {
            let rows = min(weightGradRows, s.k - k0)
            // Base of tap k0 + r in the padded planes; rows past K repeat the last tap (discarded).
            @inline(__always) func base(_ r: Int) -> UnsafePointer<Float> {
                let k = k0 + min(r, rows - 1)
                let ci = k / (s.kh * s.kw), i = (k / s.kw) % s.kh, j = k % s.kw
                return UnsafePointer(padded) + ci * plane + i * p.dilationH * wp + j * p.dilationW
            }
            let b0 = base(0), b1 = base(1), b2 = base(2), b3 = base(3), b4 = base(4)
            let b5 = base(5), b6 = base(6), b7 = base(7), b8 = base(8)
            var a0 = F8(), a1 = F8(), a2 = F8(), a3 = F8(), a4 = F8(), a5 = F8(), a6 = F8(), a7 = F8(), a8 = F8()
            var sp = UnsafePointer(strip)
            var rowOff = 0
            for _ in 0..<s.oh {
                var off = rowOff
                for _ in 0..<s.ow {
                    let d = sp.pointee
                    a0.addProduct(F8(repeating: b0[off]), d)
                    a1.addProduct(F8(repeating: b1[off]), d)
                    a2.addProduct(F8(repeating: b2[off]), d)
                    a3.addProduct(F8(repeating: b3[off]), d)
                    a4.addProduct(F8(repeating: b4[off]), d)
                    a5.addProduct(F8(repeating: b5[off]), d)
                    a6.addProduct(F8(repeating: b6[off]), d)
                    a7.addProduct(F8(repeating: b7[off]), d)
                    a8.addProduct(F8(repeating: b8[off]), d)
                    sp += 1
                    off &+= p.strideW
                }
                rowOff &+= rowStep
            }
            let acc = (a0, a1, a2, a3, a4, a5, a6, a7, a8)
            withUnsafeBytes(of: acc) { raw in
                for r in 0..<rows {
                    let v = raw.load(fromByteOffset: r * MemoryLayout<F8>.stride, as: F8.self)
                    let d = dst + (k0 + r) * s.coutg
                    // As `GEMMSmall.finish8`: written, or `dst += v`.
                    if first { for o in 0..<s.coutg { d[o] = v[o] } } else { for o in 0..<s.coutg { d[o] += v[o] } }
                }
            }
            k0 += rows
        }
    }
}
