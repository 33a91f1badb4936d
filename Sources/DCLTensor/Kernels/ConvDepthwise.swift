// Direct depthwise convolution: one input channel per group, `cout / c` output channels per
// input channel (the channel multiplier). im2col + GEMM would run a 1-row GEMM per channel.
//
// Every (image, output channel) plane is independent in the forward and input-gradient passes;
// the weight gradient of an output channel sums over images in order, one task per channel, so
// no result depends on how tasks are spread over threads.

enum ConvDepthwise {
    static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        _ y: UnsafeMutablePointer<Float>, _ s: Conv2D.Shape, activation: Activation, pool: ThreadPool) {
        let mult = s.cout / s.c
        let p = s.p
        pool.parallelRows(s.n * s.cout, costPerRow: s.pix * s.kh * s.kw, family: .direct) { t in
            let img = t / s.cout, co = t % s.cout, ci = co / mult
            let plane = x + (img * s.c + ci) * s.h * s.w
            let wk = w + co * s.kh * s.kw
            let out = y + (img * s.cout + co) * s.pix
            out.update(repeating: bias?[co] ?? 0, count: s.pix)
            for i in 0..<s.kh {
                for j in 0..<s.kw {
                    let wv = wk[i * s.kw + j]
                    for oy in 0..<s.oh {
                        let iy = oy * p.strideH - p.padH + i * p.dilationH
                        if iy < 0 || iy >= s.h { continue }
                        let row = plane + iy * s.w
                        let o = out + oy * s.ow
                        let x0 = -p.padW + j * p.dilationW
                        if p.strideW == 1 {
                            let lo = max(0, -x0), hi = min(s.ow, s.w - x0)
                            if hi > lo {
                                let wvv = splat(wv)
                                mapVectors2(UnsafePointer(o + lo), row + x0 + lo, o + lo, hi - lo) { acc, v in acc + v * wvv }
                            }
                        } else {
                            for ox in 0..<s.ow {
                                let ix = x0 + ox * p.strideW
                                if ix >= 0 && ix < s.w { o[ox] += row[ix] * wv }
                            }
                        }
                    }
                }
            }
            if case .identity = activation {} else { Activations.forwardInPlace(activation, out, s.pix) }
        }
    }

    static func backwardInput(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                              _ dx: UnsafeMutablePointer<Float>, _ s: Conv2D.Shape, pool: ThreadPool) {
        let mult = s.cout / s.c
        let p = s.p
        pool.parallelRows(s.n * s.c, costPerRow: s.pix * s.kh * s.kw * mult, family: .direct) { t in
            let img = t / s.c, ci = t % s.c
            let plane = dx + (img * s.c + ci) * s.h * s.w
            plane.update(repeating: 0, count: s.h * s.w)
            for m in 0..<mult {
                let co = ci * mult + m
                let g = dy + (img * s.cout + co) * s.pix
                let wk = w + co * s.kh * s.kw
                for i in 0..<s.kh {
                    for j in 0..<s.kw {
                        let wv = wk[i * s.kw + j]
                        for oy in 0..<s.oh {
                            let iy = oy * p.strideH - p.padH + i * p.dilationH
                            if iy < 0 || iy >= s.h { continue }
                            let row = plane + iy * s.w
                            let gr = g + oy * s.ow
                            let x0 = -p.padW + j * p.dilationW
                            if p.strideW == 1 {
                                let lo = max(0, -x0), hi = min(s.ow, s.w - x0)
                                if hi > lo {
                                    let wvv = splat(wv)
                                    let d = row + x0 + lo
                                    mapVectors2(UnsafePointer(d), gr + lo, d, hi - lo) { acc, v in acc + v * wvv }
                                }
                            } else {
                                for ox in 0..<s.ow {
                                    let ix = x0 + ox * p.strideW
                                    if ix >= 0 && ix < s.w { row[ix] += gr[ox] * wv }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func backwardWeight(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                               _ dw: UnsafeMutablePointer<Float>, _ s: Conv2D.Shape, pool: ThreadPool) {
        let mult = s.cout / s.c
        let p = s.p
        pool.parallelRows(s.cout, costPerRow: s.n * s.pix * s.kh * s.kw, family: .direct) { co in
            let ci = co / mult
            for i in 0..<s.kh {
                for j in 0..<s.kw {
                    var acc = F16()
                    var tail: Float = 0
                    for img in 0..<s.n {
                        let plane = x + (img * s.c + ci) * s.h * s.w
                        let g = dy + (img * s.cout + co) * s.pix
                        for oy in 0..<s.oh {
                            let iy = oy * p.strideH - p.padH + i * p.dilationH
                            if iy < 0 || iy >= s.h { continue }
                            let row = plane + iy * s.w
                            let gr = g + oy * s.ow
                            let x0 = -p.padW + j * p.dilationW
                            if p.strideW == 1 {
                                let lo = max(0, -x0), hi = min(s.ow, s.w - x0)
                                var q = lo
                                while q + 16 <= hi {
                                    let a = UnsafeRawPointer(gr + q).loadUnaligned(as: F16.self)
                                    let b = UnsafeRawPointer(row + x0 + q).loadUnaligned(as: F16.self)
                                    acc.addProduct(a, b)
                                    q += 16
                                }
                                while q < hi { tail += gr[q] * row[x0 + q]; q += 1 }
                            } else {
                                for ox in 0..<s.ow {
                                    let ix = x0 + ox * p.strideW
                                    if ix >= 0 && ix < s.w { tail += gr[ox] * row[ix] }
                                }
                            }
                        }
                    }
                    dw[co * s.kh * s.kw + i * s.kw + j] = Reduction.foldLanes(acc) + tail
                }
            }
        }
    }
}
