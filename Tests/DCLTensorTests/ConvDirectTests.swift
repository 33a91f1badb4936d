import Testing
@testable import DCLTensor

/// The direct small-channel convolution kernels (ConvDirect*.swift) against the im2col + GEMM
/// path they stand in for: the results must be equal bit for bit, for every thread count.
@Suite struct ConvDirectTests {
    struct Case: CustomStringConvertible {
        var x: [Int], w: [Int], p: Conv2DParams
        var description: String { "x \(x) w \(w) stride \(p.strideH)×\(p.strideW) pad \(p.padH)×\(p.padW) dil \(p.dilationH)×\(p.dilationW) groups \(p.groups)" }
    }

    /// The MNIST device co-submodel's convs first, then random geometries, most of them with at
    /// most 8 output channels per group (the direct range) and some just past it.
    static func cases(_ count: Int, seed: UInt64) -> [Case] {
        var rng = SeededGenerator(seed: seed)
        func r(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        var out = [
            Case(x: [3, 1, 28, 28], w: [4, 1, 3, 3], p: Conv2DParams(padding: (1, 1))),
            Case(x: [9, 4, 14, 14], w: [8, 4, 3, 3], p: Conv2DParams(padding: (1, 1))),
            Case(x: [1, 1, 28, 28], w: [4, 1, 3, 3], p: Conv2DParams(padding: (1, 1))),
            Case(x: [1, 4, 14, 14], w: [8, 4, 3, 3], p: Conv2DParams(padding: (1, 1))),
        ]
        while out.count < count {
            let groups = [1, 1, 1, 2, 3][r(5)]
            let cg = 1 + r(4), coutg = 1 + r(9)
            let kh = 1 + r(3), kw = 1 + r(4)
            let p = Conv2DParams(stride: (r(4) == 0 ? 2 : 1, r(4) == 0 ? 3 : 1), padding: (r(3), r(3)),
                                 dilation: (r(4) == 0 ? 2 : 1, r(4) == 0 ? 2 : 1), groups: groups)
            let x = [[1, 1, 2, 3, 9, 17][r(6)], cg * groups, 1 + r(17), 1 + r(33)]
            let w = [coutg * groups, cg, kh, kw]
            guard (try? Conv2D.plan(input: x, weight: w, params: p)) != nil else { continue }
            out.append(Case(x: x, w: w, p: p))
        }
        return out
    }

    /// Uniform values with exact zeros of both signs and tiny values (whose products round to
    /// ±0), so that the order and the signs of zero sums are exercised too.
    static func values(_ n: Int, _ rng: inout SeededGenerator) -> [Float] {
        (0..<n).map { _ in
            switch rng.next() % 20 {
            case 0: return 0
            case 1: return -0.0
            case 2: return (rng.nextUnitFloat() - 0.5) * 1e-25
            default: return rng.nextUnitFloat() - 0.5
            }
        }
    }

    /// One thread, and two splitting every job (a pool per test: tests run concurrently).
    static func pools() -> [ThreadPool] { [ThreadPool(threads: 1), ThreadPool(threads: 2, splitsEveryJob: true)] }

    static func withOptional(_ a: [Float]?, _ body: (UnsafePointer<Float>?) -> Void) {
        if let a { a.withUnsafeBufferPointer { body($0.baseAddress) } } else { body(nil) }
    }

    static func bits(_ a: [Float]) -> [UInt32] { a.map(\.bitPattern) }

    @Test func forwardEqualsIm2colBitForBit() throws {
        var rng = SeededGenerator(seed: 31)
        var direct = 0
        let pools = Self.pools()
        let activations: [Activation] = [.identity, .relu, .tanh]
        for (n, c) in Self.cases(80, seed: 30).enumerated() {
            let s = try Conv2D.plan(input: c.x, weight: c.w, params: c.p)
            if s.isDepthwise { continue }  // ConvDepthwise's own kernel, not im2col's
            if ConvDirect.forwardApplies(s) { direct += 1 }
            let x = Self.values(c.x.reduce(1, *), &rng), w = Self.values(c.w.reduce(1, *), &rng)
            let bias: [Float]? = n % 3 == 0 ? nil : Self.values(s.cout, &rng)
            let act = activations[n % 3]
            var want = [Float](repeating: .nan, count: s.n * s.cout * s.pix)
            want.withUnsafeMutableBufferPointer { y in
                Self.withOptional(bias) { b in Conv2D.forwardIm2col(x, w, bias: b, y.baseAddress!, s, activation: act, pool: .serial) }
            }
            for pool in pools {
                var got = [Float](repeating: .nan, count: want.count)
                got.withUnsafeMutableBufferPointer { y in
                    Self.withOptional(bias) { b in Conv2D.forward(x, w, bias: b, y.baseAddress!, s, activation: act, pool: pool) }
                }
                #expect(Self.bits(got) == Self.bits(want), "\(c) \(act) threads \(pool.threadCount)")
            }
        }
        #expect(direct >= 30, "only \(direct) cases took the direct kernel")
    }

    @Test func inputGradientEqualsIm2colBitForBit() throws {
        var rng = SeededGenerator(seed: 33)
        var direct = 0
        let pools = Self.pools()
        for c in Self.cases(80, seed: 32) {
            let s = try Conv2D.plan(input: c.x, weight: c.w, params: c.p)
            if s.isDepthwise { continue }
            if ConvDirect.backwardInputApplies(s) { direct += 1 }
            let dy = Self.values(s.n * s.cout * s.pix, &rng)
            var w = Self.values(c.w.reduce(1, *), &rng)
            // A non-finite weight must fall back to the im2col path (and give its result).
            for finite in [true, false] {
                if !finite { w[w.count / 2] = .infinity }
                var want = [Float](repeating: .nan, count: c.x.reduce(1, *))
                want.withUnsafeMutableBufferPointer { dx in Conv2D.backwardInputIm2col(dy, w, dx.baseAddress!, s, pool: .serial) }
                for pool in pools {
                    var got = [Float](repeating: .nan, count: want.count)
                    got.withUnsafeMutableBufferPointer { dx in Conv2D.backwardInput(dy, w, dx.baseAddress!, s, pool: pool) }
                    #expect(Self.bits(got) == Self.bits(want), "\(c) finite \(finite) threads \(pool.threadCount)")
                }
            }
        }
        #expect(direct >= 30, "only \(direct) cases took the direct kernel")
    }

    @Test func weightGradientEqualsIm2colBitForBit() throws {
        var rng = SeededGenerator(seed: 35)
        var direct = 0
        let pools = Self.pools()
        for c in Self.cases(80, seed: 34) {
            let s = try Conv2D.plan(input: c.x, weight: c.w, params: c.p)
            if s.isDepthwise { continue }
            let applies = ConvDirect.backwardWeightApplies(s)
            if applies { direct += 1 }
            let x = Self.values(c.x.reduce(1, *), &rng), dy = Self.values(s.n * s.cout * s.pix, &rng)
            var want = [Float](repeating: .nan, count: c.w.reduce(1, *))
            want.withUnsafeMutableBufferPointer { dw in Conv2D.backwardWeight(x, dy, dw.baseAddress!, s, direct: false, pool: .serial) }
            for pool in pools {
                var got = [Float](repeating: .nan, count: want.count)
                got.withUnsafeMutableBufferPointer { dw in Conv2D.backwardWeight(x, dy, dw.baseAddress!, s, direct: applies, pool: pool) }
                #expect(Self.bits(got) == Self.bits(want), "\(c) threads \(pool.threadCount)")
                got.withUnsafeMutableBufferPointer { dw in Conv2D.backwardWeight(x, dy, dw.baseAddress!, s, pool: pool) }
                #expect(Self.bits(got) == Self.bits(want), "\(c) public entry, threads \(pool.threadCount)")
            }
        }
        #expect(direct >= 20, "only \(direct) cases took the direct kernel")
    }

    /// Padding or dilation far larger than the image keeps the im2col path (the padded planes
    /// would be huge) and still computes.
    @Test func hugePaddingStaysOnIm2col() throws {
        let s = try Conv2D.plan(input: [1, 1, 2, 2], weight: [4, 1, 3, 3],
                                params: Conv2DParams(padding: (5_000, 5_000), dilation: (5_000, 5_000)))
        #expect(!ConvDirect.forwardApplies(s))
        #expect(!ConvDirect.backwardInputApplies(s))
        #expect(!ConvDirect.backwardWeightApplies(s))
    }
}
