// 2-D convolution (NCHW, weights (Cout, Cin/groups, kh, kw)) via im2col + GEMM.
//
// Forward, per image and group: cols (K = Cg·kh·kw, P = Hout·Wout) = im2col(x), then
// y (Coutg × P) = W_g (Coutg × K) · cols with bias and activation fused in the GEMM epilogue.
// A 1×1, stride-1, unpadded conv skips im2col (the image already is `cols`). Depthwise convs
// (groups == Cin, one input channel per group) take the direct kernel in ConvDepthwise.swift;
// convs with at most 8 output channels per group take the direct kernels in ConvDirect*.swift
// wherever those reproduce this path's sums exactly (each `…Im2col` entry point below is the
// path they are tested against).
//
// Threads: images are independent, so batches run one image per task with serial GEMMs
// (no nested parallelism); a single image uses the parallel GEMM. The weight gradient sums over
// images: it is accumulated in fixed chunks of `weightChunk` images (sequential inside a
// chunk, chunks in parallel, chunk partials added in order), so the order never depends on the
// thread count.

/// Geometry of a 2-D convolution or pooling window.
public struct Conv2DParams: Equatable, Hashable, Sendable {
    public var strideH = 1, strideW = 1
    public var padH = 0, padW = 0
    public var dilationH = 1, dilationW = 1
    public var groups = 1

    public init(stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        (strideH, strideW) = stride
        (padH, padW) = padding
        (dilationH, dilationW) = dilation
        self.groups = groups
    }

    /// Output spatial size for an input of `h × w` and a `kh × kw` window, or a thrown error.
    public func outputSize(h: Int, w: Int, kh: Int, kw: Int, op: String) throws -> (Int, Int) {
        guard strideH > 0, strideW > 0, dilationH > 0, dilationW > 0, padH >= 0, padW >= 0, groups > 0 else {
            throw TensorError(op, "stride and dilation must be positive and padding non-negative")
        }
        guard kh > 0, kw > 0 else {
            throw TensorError(op, "window \(kh)×\(kw) must have positive sides")
        }
        // The sizes are user-written (`pad: 4611686018427387904`): compute them checked, so an
        // absurd geometry is an error rather than an overflow trap.
        func extent(_ size: Int, _ pad: Int) -> Int? {
            let (twice, o1) = pad.multipliedReportingOverflow(by: 2)
            let (sum, o2) = size.addingReportingOverflow(twice)
            return o1 || o2 ? nil : sum
        }
        func window(_ k: Int, _ dilation: Int) -> Int? {
            let (span, o1) = dilation.multipliedReportingOverflow(by: k - 1)
            let (sum, o2) = span.addingReportingOverflow(1)
            return o1 || o2 ? nil : sum
        }
        guard let eh = window(kh, dilationH), let ew = window(kw, dilationW), let ih = extent(h, padH), let iw = extent(w, padW) else {
            throw TensorError(op, "window \(kh)×\(kw) (dilation \(dilationH)×\(dilationW)) with padding \(padH)×\(padW) is too large to compute with")
        }
        guard ih >= eh, iw >= ew else {
            throw TensorError(op, "window \(kh)×\(kw) (dilation \(dilationH)×\(dilationW)) does not fit input \(h)×\(w) with padding \(padH)×\(padW)")
        }
        return ((ih - eh) / strideH + 1, (iw - ew) / strideW + 1)
    }
}

/// Copies a short run without a libc call (im2col rows are 8–64 floats; `memmove`'s call and
/// dispatch cost more than the copy).
@inline(__always)
func copyShort(_ d: UnsafeMutablePointer<Float>, _ s: UnsafePointer<Float>, _ n: Int) {
    var q = 0
    while q + 16 <= n {
        UnsafeMutableRawPointer(d + q).storeBytes(of: UnsafeRawPointer(s + q).loadUnaligned(as: F16.self), as: F16.self)
        q += 16
    }
    if q + 8 <= n {
        UnsafeMutableRawPointer(d + q).storeBytes(of: UnsafeRawPointer(s + q).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
        q += 8
    }
    if q + 4 <= n {
        UnsafeMutableRawPointer(d + q).storeBytes(of: UnsafeRawPointer(s + q).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
        q += 4
    }
    while q < n { d[q] = s[q]; q += 1 }
}

/// `d[q] += s[q]` for a short run (col2im), without the padded-tail path of `mapVectors2`.
@inline(__always)
func addShort(_ d: UnsafeMutablePointer<Float>, _ s: UnsafePointer<Float>, _ n: Int) {
    var q = 0
    while q + 16 <= n {
        let p = UnsafeMutableRawPointer(d + q)
        p.storeBytes(of: p.loadUnaligned(as: F16.self) + UnsafeRawPointer(s + q).loadUnaligned(as: F16.self), as: F16.self)
        q += 16
    }
    while q + 4 <= n {
        let p = UnsafeMutableRawPointer(d + q)
        p.storeBytes(of: p.loadUnaligned(as: SIMD4<Float>.self) + UnsafeRawPointer(s + q).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
        q += 4
    }
    while q < n { d[q] += s[q]; q += 1 }
}

/// Convolution kernels on raw NCHW buffers.
public enum Conv2D {
    static let weightChunk = 8

    /// Shapes of one conv call, validated by `plan`.
    public struct Shape: Equatable, Sendable {
        public var n, c, h, w: Int
        public var cout, kh, kw: Int
        public var oh, ow: Int
        public var p: Conv2DParams
        var cg: Int { c / p.groups }
        var coutg: Int { cout / p.groups }
        var k: Int { cg * kh * kw }
        var pix: Int { oh * ow }
        var isPointwise: Bool {
            kh == 1 && kw == 1 && p.strideH == 1 && p.strideW == 1 && p.padH == 0 && p.padW == 0
        }
        /// Depthwise: one input channel per group (any channel multiplier).
        public var isDepthwise: Bool { p.groups == c && p.groups > 1 }
    }

    /// Validates input/weight shapes and returns the geometry (output is (n, cout, oh, ow)).
    public static func plan(input: [Int], weight: [Int], params: Conv2DParams, op: String = "conv2d") throws -> Shape {
        guard input.count == 4 else { throw TensorError(op, "input must be (N, C, H, W), got \(formatShape(input))") }
        guard weight.count == 4 else { throw TensorError(op, "weight must be (Cout, Cin/groups, kh, kw), got \(formatShape(weight))") }
        let g = params.groups
        guard g > 0, input[1] % g == 0, weight[0] % g == 0, weight[1].multipliedReportingOverflow(by: g) == (input[1], false) else {
            throw TensorError(op, "input \(formatShape(input)) and weight \(formatShape(weight)) do not match with groups \(g)")
        }
        let (oh, ow) = try params.outputSize(h: input[2], w: input[3], kh: weight[2], kw: weight[3], op: op)
        return Shape(n: input[0], c: input[1], h: input[2], w: input[3], cout: weight[0], kh: weight[2], kw: weight[3],
                     oh: oh, ow: ow, p: params)
    }

    /// Scratch floats one thread needs for im2col.
    static func colsFloats(_ s: Shape) -> Int { s.isPointwise ? 0 : s.k * s.pix }

    /// Output rows oy whose input row oy·sh - ph + i·dh lies inside 0..<h.
    @inline(__always)
    static func validRows(_ s: Shape, kernelRow i: Int) -> Range<Int> {
        let off = i * s.p.dilationH - s.p.padH            // input row of oy = 0
        var lo = 0
        if off < 0 { lo = (-off + s.p.strideH - 1) / s.p.strideH }
        var hi = s.oh
        // `off > h - 1` (a kernel row wholly below the image, from large padding or dilation)
        // must give no rows: Swift's division truncates toward zero, so test it first.
        if off + (s.oh - 1) * s.p.strideH >= s.h { hi = off > s.h - 1 ? 0 : (s.h - 1 - off) / s.p.strideH + 1 }
        return min(lo, s.oh)..<max(min(lo, s.oh), min(hi, s.oh))
    }

    /// cols[(ci, i, j), (y, x)] = x[ci, y·sh - ph + i·dh, x·sw - pw + j·dw] (0 outside).
    static func im2col(_ img: UnsafePointer<Float>, _ s: Shape, group g: Int, _ cols: UnsafeMutablePointer<Float>) {
        let p = s.p
        var row = 0
        for ci in (g * s.cg)..<((g + 1) * s.cg) {
            let plane = img + ci * s.h * s.w
            for i in 0..<s.kh {
                let rows = validRows(s, kernelRow: i)
                let off = i * p.dilationH - p.padH
                for j in 0..<s.kw {
                    let dst = cols + row * s.pix
                    row += 1
                    // Rows that fall in the vertical padding are zero.
                    for q in 0..<(rows.lowerBound * s.ow) { dst[q] = 0 }
                    for q in (rows.upperBound * s.ow)..<s.pix { dst[q] = 0 }
                    let x0 = -p.padW + j * p.dilationW
                    if p.strideW == 1 {
                        let lo = min(max(0, -x0), s.ow), hi = max(lo, min(s.ow, s.w - x0))
                        // Walk pointers (index arithmetic here cost more than the copies).
                        let dOff: Int = rows.lowerBound &* s.ow
                        let sOff: Int = (rows.lowerBound &* p.strideH &+ off) &* s.w &+ x0
                        var d = dst + dOff
                        var src = plane + sOff
                        let srcStep = p.strideH &* s.w
                        if lo == 0 && hi == s.ow {
                            for _ in rows {
                                copyShort(d, src, s.ow)
                                d += s.ow
                                src += srcStep
                            }
                        } else {
                            for _ in rows {
                                for q in 0..<lo { d[q] = 0 }
                                copyShort(d + lo, src + lo, hi &- lo)
                                for q in hi..<s.ow { d[q] = 0 }
                                d += s.ow
                                src += srcStep
                            }
                        }
                    } else {
                        for oy in rows {
                            let d = dst + oy * s.ow
                            let src = plane + (oy * p.strideH + off) * s.w
                            for ox in 0..<s.ow {
                                let ix = x0 + ox * p.strideW
                                d[ox] = (ix >= 0 && ix < s.w) ? src[ix] : 0
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds cols back into the image (the adjoint of im2col); `img` must be zeroed by the caller.
    static func col2im(_ cols: UnsafePointer<Float>, _ s: Shape, group g: Int, _ img: UnsafeMutablePointer<Float>) {
        let p = s.p
        var row = 0
        for ci in (g * s.cg)..<((g + 1) * s.cg) {
            let plane = img + ci * s.h * s.w
            for i in 0..<s.kh {
                let rows = validRows(s, kernelRow: i)
                let off = i * p.dilationH - p.padH
                for j in 0..<s.kw {
                    let src = cols + row * s.pix
                    row += 1
                    let x0 = -p.padW + j * p.dilationW
                    if p.strideW == 1 {
                        let lo = min(max(0, -x0), s.ow), hi = max(lo, min(s.ow, s.w - x0))
                        if hi == lo { continue }
                        let sOff: Int = rows.lowerBound &* s.ow &+ lo
                        let dOff: Int = (rows.lowerBound &* p.strideH &+ off) &* s.w &+ x0 &+ lo
                        var sr = src + sOff
                        var d = plane + dOff
                        let dStep = p.strideH &* s.w
                        for _ in rows {
                            addShort(d, sr, hi &- lo)
                            sr += s.ow
                            d += dStep
                        }
                    } else {
                        for oy in rows {
                            let d = plane + (oy * p.strideH + off) * s.w
                            let sr = src + oy * s.ow
                            for ox in 0..<s.ow {
                                let ix = x0 + ox * p.strideW
                                if ix >= 0 && ix < s.w { d[ix] += sr[ox] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Runs `body(image, pool for the GEMMs)` for every image: one image per task when the
    /// images pay for a split and spread evenly, else one after another with the parallel pool.
    static func perImage(_ s: Shape, _ pool: ThreadPool, _ body: (Int, ThreadPool) -> Void) {
        pool.parallelTasks(s.n, costPerTask: imageMultiplyAdds(s), family: .gemm, body)
    }

    /// Multiply-adds of one image's GEMMs (the same for forward, input and weight gradients).
    static func imageMultiplyAdds(_ s: Shape) -> Double {
        Double(s.cout) * Double(s.k) * Double(s.pix)
    }

    /// y = conv(x, w) + bias, then `activation`. `y` is (n, cout, oh, ow).
    public static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               _ y: UnsafeMutablePointer<Float>, _ s: Shape, activation: Activation = .identity,
                               pool: ThreadPool = .shared) {
        if s.isDepthwise {
            ConvDepthwise.forward(x, w, bias: bias, y, s, activation: activation, pool: pool)
            return
        }
        if ConvDirect.forwardApplies(s) {
            ConvDirect.forward(x, w, bias: bias, y, s, activation: activation, pool: pool)
            return
        }
        forwardIm2col(x, w, bias: bias, y, s, activation: activation, pool: pool)
    }

    /// `forward` through im2col + GEMM whatever the shape (not for depthwise shapes).
    static func forwardIm2col(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                              _ y: UnsafeMutablePointer<Float>, _ s: Shape, activation: Activation = .identity,
                              pool: ThreadPool = .shared) {
        perImage(s, pool) { img, gemmPool in
            let xi = x + img * s.c * s.h * s.w
            let yi = y + img * s.cout * s.pix
            let cols = s.isPointwise ? nil : ThreadScratch.current.floats(colsFloats(s), slot: .im2col)
            for g in 0..<s.p.groups {
                let b: UnsafePointer<Float>
                if let cols {
                    im2col(xi, s, group: g, cols)
                    b = UnsafePointer(cols)
                } else {
                    b = xi + g * s.cg * s.pix
                }
                GEMM.sgemm(m: s.coutg, n: s.pix, k: s.k, a: w + g * s.coutg * s.k, lda: s.k,
                           b: b, ldb: s.pix, c: yi + g * s.coutg * s.pix, ldc: s.pix,
                           epilogue: GEMMEpilogue(rowBias: bias.map { $0 + g * s.coutg }, activation: activation),
                           pool: gemmPool)
            }
        }
    }

    /// dx = conv_transpose(dy, w): the gradient with respect to the input. Overwrites `dx`.
    public static func backwardInput(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                     _ dx: UnsafeMutablePointer<Float>, _ s: Shape, pool: ThreadPool = .shared) {
        if s.isDepthwise {
            ConvDepthwise.backwardInput(dy, w, dx, s, pool: pool)
            return
        }
        // The direct kernel computes padding taps against zeros, exact only for finite weights.
        if ConvDirect.backwardInputApplies(s) && Elementwise.firstNonFinite(w, s.cout * s.k) == nil {
            ConvDirect.backwardInput(dy, w, dx, s, pool: pool)
            return
        }
        backwardInputIm2col(dy, w, dx, s, pool: pool)
    }

    /// `backwardInput` through GEMM + col2im whatever the shape (not for depthwise shapes).
    static func backwardInputIm2col(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                    _ dx: UnsafeMutablePointer<Float>, _ s: Shape, pool: ThreadPool = .shared) {
        perImage(s, pool) { img, gemmPool in
            let dyi = dy + img * s.cout * s.pix
            let dxi = dx + img * s.c * s.h * s.w
            if s.isPointwise {
                for g in 0..<s.p.groups {
                    GEMM.sgemm(m: s.k, n: s.pix, k: s.coutg, a: w + g * s.coutg * s.k, lda: s.k, transA: true,
                               b: dyi + g * s.coutg * s.pix, ldb: s.pix, c: dxi + g * s.cg * s.pix, ldc: s.pix, pool: gemmPool)
                }
                return
            }
            dxi.update(repeating: 0, count: s.c * s.h * s.w)
            let dcols = ThreadScratch.current.floats(colsFloats(s), slot: .im2col)
            for g in 0..<s.p.groups {
                GEMM.sgemm(m: s.k, n: s.pix, k: s.coutg, a: w + g * s.coutg * s.k, lda: s.k, transA: true,
                           b: dyi + g * s.coutg * s.pix, ldb: s.pix, c: dcols, ldc: s.pix, pool: gemmPool)
                col2im(dcols, s, group: g, dxi)
            }
        }
    }

    /// dw = Σ_images dy · colsᵀ: the gradient with respect to the weight. Overwrites `dw`.
    ///
    /// Computed transposed, dwᵀ (K × Coutg) = cols (K × P) · dyᵀ (P × Coutg): with few output
    /// channels this is a narrow GEMM that reads cols in place (no packing, no transposition of
    /// the big operand). Each chunk of `weightChunk` images accumulates its own dwᵀ in image
    /// order; chunks are added in order and transposed into dw at the end.
    public static func backwardWeight(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                      _ dw: UnsafeMutablePointer<Float>, _ s: Shape, pool: ThreadPool = .shared) {
        if s.isDepthwise {
            ConvDepthwise.backwardWeight(x, dy, dw, s, pool: pool)
            return
        }
        backwardWeight(x, dy, dw, s, direct: ConvDirect.backwardWeightApplies(s), pool: pool)
    }

    /// `backwardWeight` with each image's dwᵀ from `ConvDirect.weightGradImage` (`direct`, where
    /// it applies) or from im2col + the narrow GEMM; the chunking and the sums are the same.
    static func backwardWeight(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                               _ dw: UnsafeMutablePointer<Float>, _ s: Shape, direct: Bool, pool: ThreadPool = .shared) {
        let wCount = s.cout * s.k
        let chunks = (s.n + weightChunk - 1) / weightChunk
        // Per chunk: dwᵀ for every group, laid out [group][k][coutg].
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: max(1, chunks * wCount))
        defer { partials.deallocate() }
        let chunkBody: (Int, ThreadPool) -> Void = { c, gemmPool in
            let dst = partials + c * wCount
            for img in (c * weightChunk)..<min(s.n, (c + 1) * weightChunk) {
                let xi = x + img * s.c * s.h * s.w
                let dyi = dy + img * s.cout * s.pix
                if direct {
                    let scratch = ThreadScratch.current.floats(ConvDirect.weightGradScratch(s), slot: .im2col)
                    for g in 0..<s.p.groups {
                        ConvDirect.weightGradImage(xi, dyi, s, group: g, dst + g * s.k * s.coutg,
                                                   first: img == c * weightChunk, scratch: scratch)
                    }
                    continue
                }
                let cols = s.isPointwise ? nil : ThreadScratch.current.floats(colsFloats(s), slot: .im2col)
                for g in 0..<s.p.groups {
                    let a: UnsafePointer<Float>
                    if let cols { im2col(xi, s, group: g, cols); a = UnsafePointer(cols) } else { a = xi + g * s.cg * s.pix }
                    GEMM.sgemm(m: s.k, n: s.coutg, k: s.pix, a: a, lda: s.pix,
                               b: dyi + g * s.coutg * s.pix, ldb: s.pix, transB: true,
                               c: dst + g * s.k * s.coutg, ldc: s.coutg,
                               accumulate: img != c * weightChunk, pool: gemmPool)
                }
            }
        }
        pool.parallelTasks(chunks, costPerTask: Double(min(s.n, weightChunk)) * imageMultiplyAdds(s), family: .gemm, chunkBody)
        for c in 1..<max(1, chunks) { Elementwise.addInPlace(partials, partials + c * wCount, wCount) }
        // dw[g·coutg + o, k] = dwᵀ[g][k][o]
        for g in 0..<s.p.groups {
            for k in 0..<s.k {
                for o in 0..<s.coutg { dw[(g * s.coutg + o) * s.k + k] = partials[(g * s.k + k) * s.coutg + o] }
            }
        }
    }
}
