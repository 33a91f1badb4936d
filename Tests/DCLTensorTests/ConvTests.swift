import Testing
@testable import DCLTensor

/// Direct 7-loop convolution in Float64.
func referenceConv(_ x: Tensor, _ w: Tensor, _ p: Conv2DParams) throws -> Tensor {
    let s = try Conv2D.plan(input: x.shape, weight: w.shape, params: p)
    var out = [Float](repeating: 0, count: s.n * s.cout * s.oh * s.ow)
    let xs = x.floats, ws = w.floats
    let cg = s.c / p.groups, coutg = s.cout / p.groups
    for n in 0..<s.n { for co in 0..<s.cout { for oy in 0..<s.oh { for ox in 0..<s.ow {
        var acc = 0.0
        let g = co / coutg
        for ci in 0..<cg { for i in 0..<s.kh { for j in 0..<s.kw {
            let iy = oy * p.strideH - p.padH + i * p.dilationH, ix = ox * p.strideW - p.padW + j * p.dilationW
            if iy < 0 || iy >= s.h || ix < 0 || ix >= s.w { continue }
            acc += Double(xs[((n * s.c + g * cg + ci) * s.h + iy) * s.w + ix]) * Double(ws[((co * cg + ci) * s.kh + i) * s.kw + j])
        }}}
        out[((n * s.cout + co) * s.oh + oy) * s.ow + ox] = Float(acc)
    }}}}
    return try Tensor(shape: [s.n, s.cout, s.oh, s.ow], floats: out)
}

func random(_ shape: [Int], _ rng: inout SeededGenerator) throws -> Tensor {
    try Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in rng.nextUnitFloat() - 0.5 })
}

@Suite struct ConvTests {
    static let configs: [([Int], [Int], Conv2DParams)] = [
        ([1, 1, 5, 5], [1, 1, 3, 3], Conv2DParams()),
        ([3, 3, 17, 9], [5, 3, 3, 3], Conv2DParams(stride: (2, 1), padding: (1, 2))),
        ([2, 4, 9, 11], [6, 2, 3, 2], Conv2DParams(padding: (2, 1), dilation: (2, 3), groups: 2)),
        ([2, 3, 8, 7], [6, 1, 3, 3], Conv2DParams(stride: (2, 2), padding: (1, 1), groups: 3)),   // depthwise ×2
        ([2, 5, 4, 6], [7, 5, 1, 1], Conv2DParams()),                                              // pointwise
        ([1, 1, 28, 28], [6, 1, 5, 5], Conv2DParams()),                                            // LeNet conv1
    ]

    @Test(arguments: [1, 2])
    func forwardMatchesReferenceLoops(threads: Int) throws {
        var rng = SeededGenerator(seed: 20)
        for (xs, ws, p) in Self.configs {
            let x = try random(xs, &rng), w = try random(ws, &rng)
            let y = try Kernels.conv2d(x, w, params: p, pool: ThreadPool(threads: threads, splitsEveryJob: true))
            let r = try referenceConv(x, w, p)
            #expect(y.shape == r.shape)
            let err = zip(y.floats, r.floats).map { abs($0 - $1) }.max() ?? 0
            #expect(err < 1e-4, "conv \(xs) * \(ws): max error \(err)")
        }
    }

    /// The backward kernels are adjoints of the forward: ⟨conv(x, w), g⟩ = ⟨x, dX(g)⟩ = ⟨w, dW(g)⟩.
    @Test(arguments: [1, 2])
    func backwardKernelsAreAdjoints(threads: Int) throws {
        let pool = ThreadPool(threads: threads, splitsEveryJob: true)
        var rng = SeededGenerator(seed: 21)
        for (xs, ws, p) in Self.configs {
            let x = try random(xs, &rng), w = try random(ws, &rng)
            let y = try Kernels.conv2d(x, w, params: p, pool: pool)
            let g = try random(y.shape, &rng)
            let dx = try Kernels.conv2dBackwardInput(g, w, inputShape: xs, params: p, pool: pool)
            let dw = try Kernels.conv2dBackwardWeight(x, g, weightShape: ws, params: p, pool: pool)
            func dot(_ a: Tensor, _ b: Tensor) -> Double { zip(a.floats, b.floats).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
            let lhs = dot(y, g)
            #expect(abs(lhs - dot(x, dx)) < 1e-3 * max(1, abs(lhs)))
            #expect(abs(lhs - dot(w, dw)) < 1e-3 * max(1, abs(lhs)))
        }
    }

    @Test func weightGradientIsIdenticalAcrossThreadCounts() throws {
        var rng = SeededGenerator(seed: 22)
        let x = try random([19, 3, 9, 9], &rng), w = try random([4, 3, 3, 3], &rng)
        let g = try random([19, 4, 7, 7], &rng)
        let a = try Kernels.conv2dBackwardWeight(x, g, weightShape: w.shape, pool: ThreadPool(threads: 1))
        let b = try Kernels.conv2dBackwardWeight(x, g, weightShape: w.shape, pool: ThreadPool(threads: 2, splitsEveryJob: true))
        #expect(a.bitwiseEqual(b))
    }

    /// A kernel row that lies wholly below the image (here row 2 of the window at the only
    /// output row, stride 2) contributes nothing: im2col read, and col2im wrote, the row past
    /// the image's end before `validRows` floored that case.
    @Test func kernelRowBelowTheImageIsPadding() throws {
        var rng = SeededGenerator(seed: 24)
        let p = Conv2DParams(stride: (2, 1), padding: (1, 0))
        let x = try random([2, 3, 1, 5], &rng), w = try random([2, 3, 3, 1], &rng)
        let y = try Kernels.conv2d(x, w, params: p, pool: .serial)
        let r = try referenceConv(x, w, p)
        #expect(y.shape == [2, 2, 1, 5])
        #expect(zip(y.floats, r.floats).allSatisfy { abs($0 - $1) < 1e-5 })
        let g = try random(y.shape, &rng)
        let dx = try Kernels.conv2dBackwardInput(g, w, inputShape: x.shape, params: p, pool: .serial)
        func dot(_ a: Tensor, _ b: Tensor) -> Double { zip(a.floats, b.floats).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        #expect(abs(dot(y, g) - dot(x, dx)) < 1e-4)
    }

    @Test func badGeometryThrows() throws {
        let x = try Tensor(zeros: [1, 3, 4, 4])
        #expect(throws: TensorError.self) { try Kernels.conv2d(x, try Tensor(zeros: [2, 2, 3, 3])) }        // channel mismatch
        #expect(throws: TensorError.self) { try Kernels.conv2d(x, try Tensor(zeros: [2, 3, 5, 5])) }        // window too large
        #expect(throws: TensorError.self) { try Kernels.conv2d(x, try Tensor(zeros: [2, 3, 3, 3]), params: Conv2DParams(stride: (0, 1))) }
        #expect(throws: TensorError.self) { try Kernels.conv2d(try Tensor(zeros: [3, 4, 4]), try Tensor(zeros: [2, 3, 3, 3])) }
    }

    /// The vectorised 2×2 / stride-2 max pool (main body and padded tail) against the generic loop.
    @Test func fastMaxPoolMatchesGenericPath() throws {
        var rng = SeededGenerator(seed: 23)
        let x = try random([2, 3, 9, 41], &rng)
        let fast = try Kernels.pool2d(.max, x, kernel: (2, 2), params: Conv2DParams(stride: (2, 2)))
        // Cropping to 8×40 drops only the row and column no window covers.
        let cropped = try Kernels.pool2d(.max, try Kernels.slice(x, starts: [0, 0, 0, 0], sizes: [2, 3, 8, 40]),
                                        kernel: (2, 2), params: Conv2DParams(stride: (2, 2)))
        #expect(fast.shape == [2, 3, 4, 20])
        for n in 0..<2 { for c in 0..<3 { for oy in 0..<4 { for ox in 0..<20 {
            var m: Float = -.infinity
            for i in 0..<2 { for j in 0..<2 { m = max(m, x.floats[((n * 3 + c) * 9 + 2 * oy + i) * 41 + 2 * ox + j]) } }
            #expect(fast.floats[((n * 3 + c) * 4 + oy) * 20 + ox] == m)
        }}}}
        #expect(cropped.floats == fast.floats)
        let g = try random(fast.shape, &rng)
        let dx = try Kernels.pool2dBackward(.max, x: x, dy: g, kernel: (2, 2), params: Conv2DParams(stride: (2, 2)))
        // Each window's gradient lands on its maximum; the uncovered last row/column get zero.
        #expect(abs(dx.floats.reduce(0, +) - g.floats.reduce(0, +)) < 1e-4)
        for n in 0..<2 { for c in 0..<3 { for y in 0..<9 { #expect(dx.floats[((n * 3 + c) * 9 + y) * 41 + 40] == 0) } } }
    }

    @Test func poolingMatchesDefinition() throws {
        let x = try Tensor(shape: [1, 1, 3, 4], floats: [1, 5, 2, 0, 3, 4, 9, 1, 0, 2, 2, 8])
        let m = try Kernels.pool2d(.max, x, kernel: (2, 2), params: Conv2DParams(stride: (2, 2)))
        #expect(m.floats == [5, 9])
        let a = try Kernels.pool2d(.avg, x, kernel: (2, 2), params: Conv2DParams(stride: (1, 2)))
        #expect(a.floats == [3.25, 3, 2.25, 5])
        let g = try Kernels.pool2dBackward(.max, x: x, dy: try Tensor(shape: [1, 1, 1, 2], floats: [1, 2]), kernel: (2, 2),
                                           params: Conv2DParams(stride: (2, 2)))
        #expect(g.floats == [0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0])
    }
}
