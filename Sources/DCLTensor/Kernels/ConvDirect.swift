// Direct convolution for few output channels per group, stride 1: the forward pass.
//
// Why: the device half of a width-split CNN has convs with 4 and 8 output channels. As im2col +
// GEMM such a conv copies the image K = Cin·kh·kw times into `cols` and then runs the short-M
// GEMM, whose 8-row strip is half padding at 4 channels. Here the image is copied once into
// zero-padded planes and every output is computed straight from them.
//
// Layout: a padded plane has width Wp = W + 2·pw. Output (oy, ox) reads padded
// (oy + i·dh, ox + j·dw), i.e. flat index q + i·dh·Wp + j·dw with q = oy·Wp + ox. Every tap
// (ci, i, j) is one constant offset, so a run of consecutive q — across row ends too — is one
// contiguous load per tap, vectorised along the output row. The Wp − OW columns past each
// output row are computed and dropped (30/28 and 16/14 for the MNIST convs).
//
// Exactness: the results are the GEMM's bit for bit. `forwardApplies` admits only shapes the
// GEMM sums in one chain per output (`GEMM.sumsInOneChain`): one accumulator from +0, one fused
// multiply-add per k = (ci, i, j) in increasing order, the padding taps included as products
// with 0 (im2col writes those zeros too); then the bias is added and the activation applied.
// The same fused multiply-adds in the same order give the same floats whatever the vector width.

enum ConvDirect {
    /// Output channels per group up to which the direct kernels run (one register tile).
    static let maxGroupChannels = 8

    /// Float count above which the padded copies are not worth it: absurd padding or dilation
    /// (a 1-pixel output of a 10⁶-dilated window) would make the planes huge while im2col is tiny.
    static func scratchIsReasonable(_ floats: Double, _ s: Conv2D.Shape) -> Bool {
        floats <= max(4 * Double(s.k) * Double(s.pix), Double(1 << 20))
    }

    /// True if `forward` computes this conv with the GEMM's exact sums.
    static func forwardApplies(_ s: Conv2D.Shape) -> Bool {
        guard s.p.strideH == 1, s.p.strideW == 1, !s.isPointwise, !s.isDepthwise,
              s.coutg <= maxGroupChannels,
              GEMM.sumsInOneChain(m: s.coutg, n: s.pix, k: s.k, transB: false) else { return false }
        // Estimated in Double first: a huge padding or dilation must not overflow the Ints below.
        let wp = Double(s.w) + 2 * Double(s.p.padW), hp = Double(s.h) + 2 * Double(s.p.padH)
        return scratchIsReasonable(Double(s.cg) * (hp + 1) * wp + 8 * (Double(s.oh) + 1) * wp, s)
    }

    /// Sizes of one image's padded planes and output tile for the forward pass.
    struct ForwardGeometry {
        let wp: Int          // padded plane width (= output row pitch in the tile)
        let channelsInTile: Int  // 4 or 8: the register tile's channel count
        let lanes: Int       // outputs per tile: 64 (4 channels) or 32 (8 channels)
        let blocks: Int      // tiles per channel plane
        let qPadded: Int     // blocks · lanes
        let plane: Int       // floats per padded input plane, with slack for the last tile's reads

        init(_ s: Conv2D.Shape) {
            wp = s.w + 2 * s.p.padW
            channelsInTile = s.coutg <= 4 ? 4 : 8
            lanes = channelsInTile == 4 ? 64 : 32
            blocks = (s.oh * wp + lanes - 1) / lanes
            qPadded = blocks * lanes
            let maxOffset = (s.kh - 1) * s.p.dilationH * wp + (s.kw - 1) * s.p.dilationW
            // qPadded + maxOffset ≥ Hp·Wp, so the whole padded image fits.
            plane = (qPadded + maxOffset + 15) / 16 * 16
        }

        /// Floats of the output tile (all channels of one group).
        var tileFloats: Int { channelsInTile * qPadded }
        /// Floats of one group's padded input planes.
        func inputFloats(_ s: Conv2D.Shape) -> Int { s.cg * plane }
    }

    /// Zero-padded copy of input channels `c0 ..< c0 + count` of one image: plane `ci` holds
    /// x[c0 + ci] at rows ph..., columns pw... of a `wp`-wide grid, zeros elsewhere.
    static func padInput(_ img: UnsafePointer<Float>, _ s: Conv2D.Shape, firstChannel c0: Int, count: Int,
                         wp: Int, plane: Int, _ dst: UnsafeMutablePointer<Float>) {
        dst.update(repeating: 0, count: count * plane)
        for ci in 0..<count {
            let src = img + (c0 + ci) * s.h * s.w
            let d = dst + ci * plane + s.p.padH * wp + s.p.padW
            for y in 0..<s.h { copyShort(d + y * wp, src + y * s.w, s.w) }
        }
    }

    /// y = conv(x, w) + bias, then `activation`, for shapes where `forwardApplies`.
    static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        _ y: UnsafeMutablePointer<Float>, _ s: Conv2D.Shape, activation: Activation, pool: ThreadPool) {
        let geo = ForwardGeometry(s)
        let cb = geo.channelsInTile
        // Weights as [group][k][cb] (zero-padded channels) so a tap's channel values are adjacent.
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: s.p.groups * s.k * cb)
        defer { packed.deallocate() }
        packed.update(repeating: 0, count: s.p.groups * s.k * cb)
        for g in 0..<s.p.groups {
            for o in 0..<s.coutg {
                let row = w + (g * s.coutg + o) * s.k
                for k in 0..<s.k { packed[(g * s.k + k) * cb + o] = row[k] }
            }
        }
        // Flat offset of tap k = (ci, i, j) from an output's q.
        var offsets = [Int](repeating: 0, count: s.k)
        for ci in 0..<s.cg {
            for i in 0..<s.kh {
                for j in 0..<s.kw {
                    offsets[(ci * s.kh + i) * s.kw + j] = ci * geo.plane + i * s.p.dilationH * geo.wp + j * s.p.dilationW
                }
            }
        }
        offsets.withUnsafeBufferPointer { offs in
            let offs = offs.baseAddress!
            Conv2D.perImage(s, pool) { img, inner in
                let scratch = ThreadScratch.current.floats(geo.inputFloats(s) + geo.tileFloats, slot: .im2col)
                let padded = scratch, tile = scratch + geo.inputFloats(s)
                for g in 0..<s.p.groups {
                    padInput(x + img * s.c * s.h * s.w, s, firstChannel: g * s.cg, count: s.cg,
                             wp: geo.wp, plane: geo.plane, padded)
                    let wg = UnsafePointer(packed + g * s.k * cb)
                    // Tiles write disjoint parts of `tile`; a single image may split them over threads.
                    inner.parallelRanges(geo.blocks, costPerItem: cb * s.k * geo.lanes, family: .gemm) { range in
                        for b in range {
                            let q = b * geo.lanes
                            if cb == 4 {
                                tile4x64(UnsafePointer(padded) + q, offs, s.k, wg, tile + q, geo.qPadded)
                            } else {
                                tile8x32(UnsafePointer(padded) + q, offs, s.k, wg, tile + q, geo.qPadded)
                            }
                        }
                    }
                    let epilogue = GEMMEpilogue(rowBias: bias.map { $0 + g * s.coutg }, activation: activation)
                    for o in 0..<s.coutg {
                        let out = y + (img * s.cout + g * s.coutg + o) * s.pix
                        let src = tile + o * geo.qPadded
                        for oy in 0..<s.oh { copyShort(out + oy * s.ow, src + oy * geo.wp, s.ow) }
                        if !epilogue.isTrivial { GEMM.applyEpilogue(epilogue, row: out, i: o, j0: 0, count: s.pix) }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> F16 { UnsafeRawPointer(p).loadUnaligned(as: F16.self) }

    @inline(__always)
    static func store(_ v: F16, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F16.self) }

    /// 4 channels × 64 outputs: out[o·ldo + 0..<64] = Σ_k w[k·4 + o] · x[offs[k] + 0..<64], k in order.
    @inline(never)
    static func tile4x64(_ x: UnsafePointer<Float>, _ offs: UnsafePointer<Int>, _ k: Int, _ w: UnsafePointer<Float>,
                         _ out: UnsafeMutablePointer<Float>, _ ldo: Int) {
        var a00 = F16(), a01 = F16(), a02 = F16(), a03 = F16()
        var a10 = F16(), a11 = F16(), a12 = F16(), a13 = F16()
        var a20 = F16(), a21 = F16(), a22 = F16(), a23 = F16()
        var a30 = F16(), a31 = F16(), a32 = F16(), a33 = F16()
        var wk = w
        for t in 0..<k {
            let p = x + offs[t]
            let v0 = load(p), v1 = load(p + 16), v2 = load(p + 32), v3 = load(p + 48)
            var s = F16(repeating: wk[0]); a00.addProduct(s, v0); a01.addProduct(s, v1); a02.addProduct(s, v2); a03.addProduct(s, v3)
            s = F16(repeating: wk[1]); a10.addProduct(s, v0); a11.addProduct(s, v1); a12.addProduct(s, v2); a13.addProduct(s, v3)
            s = F16(repeating: wk[2]); a20.addProduct(s, v0); a21.addProduct(s, v1); a22.addProduct(s, v2); a23.addProduct(s, v3)
            s = F16(repeating: wk[3]); a30.addProduct(s, v0); a31.addProduct(s, v1); a32.addProduct(s, v2); a33.addProduct(s, v3)
            wk += 4
        }
        store(a00, out); store(a01, out + 16); store(a02, out + 32); store(a03, out + 48)
        var o = out + ldo
        store(a10, o); store(a11, o + 16); store(a12, o + 32); store(a13, o + 48)
        o += ldo
        store(a20, o); store(a21, o + 16); store(a22, o + 32); store(a23, o + 48)
        o += ldo
        store(a30, o); store(a31, o + 16); store(a32, o + 32); store(a33, o + 48)
    }

    /// 8 channels × 32 outputs: out[o·ldo + 0..<32] = Σ_k w[k·8 + o] · x[offs[k] + 0..<32], k in order.
    @inline(never)
    static func tile8x32(_ x: UnsafePointer<Float>, _ offs: UnsafePointer<Int>, _ k: Int, _ w: UnsafePointer<Float>,
                         _ out: UnsafeMutablePointer<Float>, _ ldo: Int) {
        var a00 = F16(), a01 = F16(), a10 = F16(), a11 = F16(), a20 = F16(), a21 = F16(), a30 = F16(), a31 = F16()
        var a40 = F16(), a41 = F16(), a50 = F16(), a51 = F16(), a60 = F16(), a61 = F16(), a70 = F16(), a71 = F16()
        var wk = w
        for t in 0..<k {
            let p = x + offs[t]
            let v0 = load(p), v1 = load(p + 16)
            var s = F16(repeating: wk[0]); a00.addProduct(s, v0); a01.addProduct(s, v1)
            s = F16(repeating: wk[1]); a10.addProduct(s, v0); a11.addProduct(s, v1)
            s = F16(repeating: wk[2]); a20.addProduct(s, v0); a21.addProduct(s, v1)
            s = F16(repeating: wk[3]); a30.addProduct(s, v0); a31.addProduct(s, v1)
            s = F16(repeating: wk[4]); a40.addProduct(s, v0); a41.addProduct(s, v1)
            s = F16(repeating: wk[5]); a50.addProduct(s, v0); a51.addProduct(s, v1)
            s = F16(repeating: wk[6]); a60.addProduct(s, v0); a61.addProduct(s, v1)
            s = F16(repeating: wk[7]); a70.addProduct(s, v0); a71.addProduct(s, v1)
            wk += 8
        }
        var o = out
        store(a00, o); store(a01, o + 16); o += ldo
        store(a10, o); store(a11, o + 16); o += ldo
        store(a20, o); store(a21, o + 16); o += ldo
        store(a30, o); store(a31, o + 16); o += ldo
        store(a40, o); store(a41, o + 16); o += ldo
        store(a50, o); store(a51, o + 16); o += ldo
        store(a60, o); store(a61, o + 16); o += ldo
        store(a70, o); store(a71, o + 16)
    }
}
