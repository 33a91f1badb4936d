// Direct input gradient for few output channels per group, stride 1 (see ConvDirect.swift).
//
// The im2col path computes dcols = Wᵀ·dy (one chain over the output channels o per element,
// from +0) and then col2im adds each dcols row (ci, i, j) into dx in increasing (i, j) order,
// starting from a zeroed dx and skipping taps that fall outside dy. Here dy is copied once into
// zero-padded planes and each dx element is summed the same way: for every tap (i, j) in order an
// inner chain over o from +0, added to an outer sum that starts at +0.
//
// The padded taps are not skipped but computed against zeros: with finite weights their inner
// chain is exactly +0 (w·0 + +0 is +0 for either sign of w·0), and adding +0 leaves the outer sum
// unchanged (the outer sum is never −0: it starts at +0 and a sum is −0 only if both terms are).
// With an infinite or NaN weight w·0 is NaN, so the caller keeps the im2col path then.
//
// Layout: a dy plane has PL zero columns on the left and PT zero rows on top, width Wd. dx at
// (iy, ix) needs dy at (iy + ph − i·dh, ix + pw − j·dw), i.e. flat index q + off(i, j) with
// q = iy·Wd + ix: constant offsets again, so the outputs are vectorised along the row.

extension ConvDirect {
    /// True if `backwardInput` computes this gradient with the GEMM + col2im sums, given finite
    /// weights (the caller checks those).
    static func backwardInputApplies(_ s: Conv2D.Shape) -> Bool {
        guard s.p.strideH == 1, s.p.strideW == 1, !s.isPointwise, !s.isDepthwise,
              s.coutg <= maxGroupChannels,
              GEMM.sumsInOneChain(m: s.k, n: s.pix, k: s.coutg, transB: false) else { return false }
        let wd = Double(s.w) + 2 * Double(s.p.padW) + Double(s.kw) * Double(s.p.dilationW)
        let hd = Double(s.h) + 2 * Double(s.p.padH) + Double(s.kh) * Double(s.p.dilationH)
        return scratchIsReasonable((Double(s.coutg) * (hd + 1) + Double(s.cg) + 1) * wd + 1024, s)
    }

    /// Sizes of one image's padded dy planes and dx tile.
    struct InputGradGeometry {
        static let lanes = 128
        let padTop, padLeft: Int  // zero rows / columns before dy's first row / column
        let wd: Int               // padded plane width (= dx row pitch in the tile)
        let blocks: Int           // tiles per dx plane
        let qPadded: Int          // blocks · lanes
        let plane: Int            // floats per padded dy plane, with slack for the last tile's reads

        init(_ s: Conv2D.Shape) {
            let p = s.p
            padTop = max(0, (s.kh - 1) * p.dilationH - p.padH)
            padLeft = max(0, (s.kw - 1) * p.dilationW - p.padW)
            // Column of dy read for ix = w − 1, j = 0 is w − 1 + pw (+ padLeft): it must stay in the row.
            wd = padLeft + max(s.ow, s.w + p.padW)
            let hd = padTop + max(s.oh, s.h + p.padH)
            blocks = (s.h * wd + Self.lanes - 1) / Self.lanes
            qPadded = blocks * Self.lanes
            let maxOffset = (p.padH + padTop) * wd + p.padW + padLeft
            plane = (max(hd * wd, qPadded + maxOffset) + 15) / 16 * 16
        }

        /// Flat offset from dx's q to dy's tap (i, j).
        func offset(_ s: Conv2D.Shape, _ i: Int, _ j: Int) -> Int {
            (s.p.padH - i * s.p.dilationH + padTop) * wd + (s.p.padW - j * s.p.dilationW + padLeft)
        }
    }

    /// dx = conv_transpose(dy, w) for shapes where `backwardInputApplies` and finite weights.
    static func backwardInput(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                              _ dx: UnsafeMutablePointer<Float>, _ s: Conv2D.Shape, pool: ThreadPool) {
        let geo = InputGradGeometry(s)
        let taps = s.kh * s.kw
        // Weights as [group][ci][tap][o] so one tap's channel values are adjacent.
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: s.p.groups * s.k * s.coutg)
        defer { packed.deallocate() }
        for g in 0..<s.p.groups {
            for o in 0..<s.coutg {
                let row = w + (g * s.coutg + o) * s.k
                for k in 0..<s.k { packed[(g * s.k + k) * s.coutg + o] = row[k] }
            }
        }
        var offsets = [Int](repeating: 0, count: taps)
        for i in 0..<s.kh { for j in 0..<s.kw { offsets[i * s.kw + j] = geo.offset(s, i, j) } }
        offsets.withUnsafeBufferPointer { offs in
            let offs = offs.baseAddress!
            Conv2D.perImage(s, pool) { img, inner in
                let planes = s.coutg * geo.plane
                let scratch = ThreadScratch.current.floats(planes + s.cg * geo.qPadded, slot: .im2col)
                let padded = scratch, tile = scratch + planes
                for g in 0..<s.p.groups {
                    padded.update(repeating: 0, count: planes)
                    for o in 0..<s.coutg {
                        let src = dy + (img * s.cout + g * s.coutg + o) * s.pix
                        let d = padded + o * geo.plane + geo.padTop * geo.wd + geo.padLeft
                        for oy in 0..<s.oh { copyShort(d + oy * geo.wd, src + oy * s.ow, s.ow) }
                    }
                    let wg = UnsafePointer(packed + g * s.k * s.coutg)
                    let items = s.cg * geo.blocks
                    inner.parallelRanges(items, costPerItem: taps * s.coutg * InputGradGeometry.lanes, family: .gemm) { range in
                        for item in range {
                            let ci = item / geo.blocks, q = (item % geo.blocks) * InputGradGeometry.lanes
                            inputGradTile(UnsafePointer(padded) + q, geo.plane, offs, taps, s.coutg,
                                          wg + ci * taps * s.coutg, tile + ci * geo.qPadded + q)
                        }
                    }
                    for ci in 0..<s.cg {
                        let out = dx + (img * s.c + g * s.cg + ci) * s.h * s.w
                        let src = tile + ci * geo.qPadded
                        for iy in 0..<s.h { copyShort(out + iy * s.w, src + iy * geo.wd, s.w) }
                    }
                }
            }
        }
    }

    /// 128 dx outputs of one input channel: for each tap t in order, inner = Σ_o w[t·C + o] ·
    /// dy[o·plane + offs[t] + q] (from +0, o in order), outer += inner.
    @inline(never)
    static func inputGradTile(_ dy: UnsafePointer<Float>, _ plane: Int, _ offs: UnsafePointer<Int>, _ taps: Int,
                              _ channels: Int, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        var s0 = F16(), s1 = F16(), s2 = F16(), s3 = F16(), s4 = F16(), s5 = F16(), s6 = F16(), s7 = F16()
        var wt = w
        for t in 0..<taps {
            var i0 = F16(), i1 = F16(), i2 = F16(), i3 = F16(), i4 = F16(), i5 = F16(), i6 = F16(), i7 = F16()
            var p = dy + offs[t]
            for o in 0..<channels {
                let b = F16(repeating: wt[o])
                i0.addProduct(b, load(p)); i1.addProduct(b, load(p + 16))
                i2.addProduct(b, load(p + 32)); i3.addProduct(b, load(p + 48))
                i4.addProduct(b, load(p + 64)); i5.addProduct(b, load(p + 80))
                i6.addProduct(b, load(p + 96)); i7.addProduct(b, load(p + 112))
                p += plane
            }
            s0 += i0; s1 += i1; s2 += i2; s3 += i3; s4 += i4; s5 += i5; s6 += i6; s7 += i7
            wt += channels
        }
        store(s0, out); store(s1, out + 16); store(s2, out + 32); store(s3, out + 48)
        store(s4, out + 64); store(s5, out + 80); store(s6, out + 96); store(s7, out + 112)
    }
}
