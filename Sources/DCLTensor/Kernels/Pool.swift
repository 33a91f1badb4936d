// Max and average pooling over NCHW planes, and their backward kernels.
//
// Planes (image, channel) are independent, so they are the unit of parallel work; inside a
// plane, overlapping windows accumulate in a fixed order. Max-pool backward recomputes each
// window's arg-max from the input (first maximum wins, like PyTorch) instead of storing indices.
// Average pooling divides by the full window size, padding included (PyTorch's default
// `count_include_pad=True`).

/// Pooling kind.
public enum PoolKind: String, Sendable {
    case max, avg
}

/// Pooling kernels on raw NCHW buffers. `Conv2DParams.groups` and dilation are ignored for avg
/// pooling; max pooling honours dilation.
public enum Pooling {
    /// Validates an NCHW input and returns the output shape.
    public static func outputShape(input: [Int], kernel: (Int, Int), params: Conv2DParams, op: String) throws -> [Int] {
        guard input.count == 4 else { throw TensorError(op, "input must be (N, C, H, W), got \(formatShape(input))") }
        var p = params
        p.groups = 1
        let (oh, ow) = try p.outputSize(h: input[2], w: input[3], kh: kernel.0, kw: kernel.1, op: op)
        return [input[0], input[1], oh, ow]
    }

    /// y = pool(x); `inShape` is (n, c, h, w), `outShape` from `outputShape`.
    public static func forward(_ kind: PoolKind, _ x: UnsafePointer<Float>, inShape: [Int], _ y: UnsafeMutablePointer<Float>,
                               outShape: [Int], kernel: (Int, Int), params p: Conv2DParams, pool: ThreadPool = .shared) {
        let h = inShape[2], w = inShape[3], oh = outShape[2], ow = outShape[3]
        let (kh, kw) = kernel
        let dh = kind == .max ? p.dilationH : 1, dw = kind == .max ? p.dilationW : 1
        let inv = 1 / Float(kh * kw)
        let interior = p.padH == 0 && p.padW == 0 && dh == 1 && dw == 1
        pool.parallelRows(inShape[0] * inShape[1], costPerRow: oh * ow * kh * kw, family: .direct) { pl in
            let src = x + pl * h * w, dst = y + pl * oh * ow
            if interior {
                forwardInterior(kind, src, w, dst, oh, ow, kh, kw, p.strideH, p.strideW, inv)
                return
            }
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var m: Float = -.infinity, s: Float = 0
                    for i in 0..<kh {
                        let iy = oy * p.strideH - p.padH + i * dh
                        if iy < 0 || iy >= h { continue }
                        for j in 0..<kw {
                            let ix = ox * p.strideW - p.padW + j * dw
                            if ix < 0 || ix >= w { continue }
                            let v = src[iy * w + ix]
                            if v > m || v != v { m = v }
                            s += v
                        }
                    }
                    dst[oy * ow + ox] = kind == .max ? m : s * inv
                }
            }
        }
    }

    /// dx from dy (and x for max pooling). Overwrites `dx`.
    public static func backward(_ kind: PoolKind, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                dx: UnsafeMutablePointer<Float>, inShape: [Int], outShape: [Int],
                                kernel: (Int, Int), params p: Conv2DParams, pool: ThreadPool = .shared) {
        let h = inShape[2], w = inShape[3], oh = outShape[2], ow = outShape[3]
        let (kh, kw) = kernel
        let dh = kind == .max ? p.dilationH : 1, dwl = kind == .max ? p.dilationW : 1
        let inv = 1 / Float(kh * kw)
        let interior = p.padH == 0 && p.padW == 0 && dh == 1 && dwl == 1
        pool.parallelRows(inShape[0] * inShape[1], costPerRow: h * w + oh * ow * kh * kw, family: .direct) { pl in
            let src = x + pl * h * w, g = dy + pl * oh * ow, d = dx + pl * h * w
            d.update(repeating: 0, count: h * w)
            if interior && kind == .max && kh == 2 && kw == 2 && p.strideH == 2 && p.strideW == 2 {
                backward2x2(src, w, g, d, oh, ow)
                return
            }
            if interior && kind == .max {
                // No padding or dilation: every window lies inside the plane. The arg-max is
                // found with selects, not branches (random activations mispredict half the time).
                // A NaN in a window does not take the gradient here (it is meaningless anyway).
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let base = oy * p.strideH * w + ox * p.strideW
                        var best = base
                        var m = src[base]
                        for i in 0..<kh {
                            let row = base + i * w
                            for j in 0..<kw {
                                let v = src[row + j]
                                let gt = v > m
                                m = gt ? v : m
                                best = gt ? row + j : best
                            }
                        }
                        d[best] += g[oy * ow + ox]
                    }
                }
                return
            }
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let gv = g[oy * ow + ox]
                    if kind == .avg {
                        let v = gv * inv
                        for i in 0..<kh {
                            let iy = oy * p.strideH - p.padH + i
                            if iy < 0 || iy >= h { continue }
                            for j in 0..<kw {
                                let ix = ox * p.strideW - p.padW + j
                                if ix >= 0 && ix < w { d[iy * w + ix] += v }
                            }
                        }
                    } else {
                        var best = -1
                        var m: Float = -.infinity
                        for i in 0..<kh {
                            let iy = oy * p.strideH - p.padH + i * dh
                            if iy < 0 || iy >= h { continue }
                            for j in 0..<kw {
                                let ix = ox * p.strideW - p.padW + j * dwl
                                if ix < 0 || ix >= w { continue }
                                let v = src[iy * w + ix]
                                if best < 0 || v > m || (v != v && m == m) { m = v; best = iy * w + ix }
                            }
                        }
                        if best >= 0 { d[best] += gv }
                    }
                }
            }
        }
    }

    /// Forward pooling when every window lies inside the plane (no padding, no dilation): no
    /// bounds checks; the common 2×2 / stride-2 max pool runs 16 outputs per step.
    static func forwardInterior(_ kind: PoolKind, _ src: UnsafePointer<Float>, _ w: Int, _ dst: UnsafeMutablePointer<Float>,
                                _ oh: Int, _ ow: Int, _ kh: Int, _ kw: Int, _ sh: Int, _ sw: Int, _ inv: Float) {
        @inline(__always) func pick(_ a: F16, _ b: F16) -> F16 { a.replacing(with: b, where: (b .> a) .| ((b .!= b) .& (a .== a))) }
        for oy in 0..<oh {
            let out = dst + oy * ow
            var ox = 0
            if kind == .max && kh == 2 && kw == 2 && sh == 2 && sw == 2 {
                let r0 = src + 2 * oy * w, r1 = r0 + w
                // Window order (r0 even, r0 odd, r1 even, r1 odd) matches the scalar loop.
                @inline(__always) func pairMax(_ lo: F16, _ hi: F16) -> F16 { pick(unzipEven(lo, hi), unzipOdd(lo, hi)) }
                while ox + 16 <= ow {
                    func load(_ r: UnsafePointer<Float>, _ o: Int) -> F16 { UnsafeRawPointer(r + o).loadUnaligned(as: F16.self) }
                    let m = pick(pairMax(load(r0, 2 * ox), load(r0, 2 * ox + 16)), pairMax(load(r1, 2 * ox), load(r1, 2 * ox + 16)))
                    UnsafeMutableRawPointer(out + ox).storeBytes(of: m, as: F16.self)
                    ox += 16
                }
                if ox < ow {
                    // Tail (LeNet's 12- and 4-wide rows): the same vector code on -inf-padded
                    // copies, so no data-dependent branches.
                    let n = ow - ox
                    var a = (F16(repeating: -.infinity), F16(repeating: -.infinity))
                    var b = a
                    withUnsafeMutableBytes(of: &a) { $0.baseAddress!.copyMemory(from: r0 + 2 * ox, byteCount: 2 * n * 4) }
                    withUnsafeMutableBytes(of: &b) { $0.baseAddress!.copyMemory(from: r1 + 2 * ox, byteCount: 2 * n * 4) }
                    var m = pick(pairMax(a.0, a.1), pairMax(b.0, b.1))
                    withUnsafeBytes(of: &m) { UnsafeMutableRawPointer(out + ox).copyMemory(from: $0.baseAddress!, byteCount: n * 4) }
                    ox = ow
                }
            }
            while ox < ow {
                let base = src + oy * sh * w + ox * sw
                var m: Float = -.infinity, s: Float = 0
                for i in 0..<kh {
                    let row = base + i * w
                    for j in 0..<kw {
                        let v = row[j]
                        // A select, not a branch: random activations would mispredict it.
                        m = (v > m || (v != v && m == m)) ? v : m
                        s += v
                    }
                }
                out[ox] = kind == .max ? m : s * inv
                ox += 1
            }
        }
    }

    /// Max-pool 2×2 / stride 2 backward for one plane, 16 windows per step: recompute each
    /// window's maximum as the forward does, route the gradient to the first position holding
    /// it (order: top-left, top-right, bottom-left, bottom-right), interleave back. The
    /// windows do not overlap, so each input position is written once; `d` is pre-zeroed for
    /// positions no window covers.
    static func backward2x2(_ src: UnsafePointer<Float>, _ w: Int, _ g: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>,
                            _ oh: Int, _ ow: Int) {
        @inline(__always) func pick(_ a: F16, _ b: F16) -> F16 { a.replacing(with: b, where: (b .> a) .| ((b .!= b) .& (a .== a))) }
        @inline(__always) func zipLo(_ a: F16, _ b: F16) -> F16 {
            F16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
        }
        @inline(__always) func zipHi(_ a: F16, _ b: F16) -> F16 {
            F16(a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11], a[12], b[12], a[13], b[13], a[14], b[14], a[15], b[15])
        }
        for oy in 0..<oh {
            let r0 = src + 2 * oy * w, r1 = r0 + w
            let d0 = d + 2 * oy * w, d1 = d0 + w
            var ox = 0
            while ox < ow {
                let n = min(16, ow - ox)
                var a = (F16(repeating: -.infinity), F16(repeating: -.infinity)), b = a
                var gv = F16()
                withUnsafeMutableBytes(of: &a) { $0.baseAddress!.copyMemory(from: r0 + 2 * ox, byteCount: 2 * n * 4) }
                withUnsafeMutableBytes(of: &b) { $0.baseAddress!.copyMemory(from: r1 + 2 * ox, byteCount: 2 * n * 4) }
                withUnsafeMutableBytes(of: &gv) { $0.baseAddress!.copyMemory(from: g + oy * ow + ox, byteCount: n * 4) }
                let e0 = unzipEven(a.0, a.1), o0 = unzipOdd(a.0, a.1), e1 = unzipEven(b.0, b.1), o1 = unzipOdd(b.0, b.1)
                let m = pick(pick(e0, o0), pick(e1, o1))
                let t0 = e0 .== m
                let t1 = (o0 .== m) .& .!t0
                let t2 = (e1 .== m) .& .!(t0 .| t1)
                let t3 = .!(t0 .| t1 .| t2)
                let z = F16()
                var top = (zipLo(z.replacing(with: gv, where: t0), z.replacing(with: gv, where: t1)),
                           zipHi(z.replacing(with: gv, where: t0), z.replacing(with: gv, where: t1)))
                var bottom = (zipLo(z.replacing(with: gv, where: t2), z.replacing(with: gv, where: t3)),
                              zipHi(z.replacing(with: gv, where: t2), z.replacing(with: gv, where: t3)))
                withUnsafeBytes(of: &top) { UnsafeMutableRawPointer(d0 + 2 * ox).copyMemory(from: $0.baseAddress!, byteCount: 2 * n * 4) }
                withUnsafeBytes(of: &bottom) { UnsafeMutableRawPointer(d1 + 2 * ox).copyMemory(from: $0.baseAddress!, byteCount: 2 * n * 4) }
                ox += n
            }
        }
    }
}
