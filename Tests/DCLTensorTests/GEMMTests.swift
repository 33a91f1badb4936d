import Testing
@testable import DCLTensor

/// C = op(A)·op(B) (+ C) (+ bias, activation) by plain loops in Float64.
func referenceGEMM(m: Int, n: Int, k: Int, a: [Float], lda: Int, ta: Bool, b: [Float], ldb: Int, tb: Bool,
                   c0: [Float]?, bias: [Float]?, relu: Bool) -> [Float] {
    var out = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = Double(c0?[i * n + j] ?? 0)
            for p in 0..<k { s += Double(ta ? a[p * lda + i] : a[i * lda + p]) * Double(tb ? b[j * ldb + p] : b[p * ldb + j]) }
            if let bias { s += Double(bias[j]) }
            out[i * n + j] = Float(relu ? max(s, 0) : s)
        }
    }
    return out
}

@Suite struct GEMMTests {
    static let sizes: [(Int, Int, Int)] = [(1, 1, 1), (3, 17, 5), (17, 3, 255), (13, 33, 257), (12, 32, 16),
                                           (25, 64, 300), (100, 7, 520), (1, 257, 3), (255, 1, 17), (37, 95, 0)]

    @Test(arguments: [1, 2])
    func matchesReferenceLoops(threads: Int) {
        let pool = ThreadPool(threads: threads, splitsEveryJob: true)
        var rng = SeededGenerator(seed: 10)
        for (m, n, k) in Self.sizes {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                for acc in [false, true] {
                    let a = (0..<m * k).map { _ in rng.nextUnitFloat() - 0.5 }, b = (0..<k * n).map { _ in rng.nextUnitFloat() - 0.5 }
                    let c0 = (0..<m * n).map { _ in rng.nextUnitFloat() - 0.5 }
                    let bias = (0..<n).map { _ in rng.nextUnitFloat() - 0.5 }
                    let lda = ta ? m : k, ldb = tb ? k : n
                    // Accumulating GEMMs start from c0; overwriting ones from NaN garbage.
                    var c = acc ? c0 : [Float](repeating: .nan, count: m * n)
                    bias.withUnsafeBufferPointer { bp in
                        GEMM.sgemm(m: m, n: n, k: k, a: a, lda: max(1, lda), transA: ta, b: b, ldb: max(1, ldb), transB: tb, c: &c, ldc: n,
                                   accumulate: acc, epilogue: GEMMEpilogue(columnBias: bp.baseAddress, activation: .relu), pool: pool)
                    }
                    let ref = referenceGEMM(m: m, n: n, k: k, a: a, lda: lda, ta: ta, b: b, ldb: ldb, tb: tb,
                                            c0: acc ? c0 : nil, bias: bias, relu: true)
                    let err = zip(c, ref).map { abs($0 - $1) }.max() ?? 0
                    #expect(err <= 1e-4 * Float(max(1, k)).squareRoot(), "m=\(m) n=\(n) k=\(k) ta=\(ta) tb=\(tb) acc=\(acc): max error \(err)")
                }
            }
        }
    }

    /// Blocked, narrow-N and short-M paths, each at a size that is split across threads.
    @Test(arguments: [(67, 131, 900), (300, 10, 200), (300, 5, 200), (6, 3000, 25)])
    func resultsAreBitIdenticalAcrossThreadCounts(_ shape: (Int, Int, Int)) {
        var rng = SeededGenerator(seed: 11)
        let (m, n, k) = shape
        let a = (0..<m * k).map { _ in rng.nextUnitFloat() - 0.5 }, b = (0..<k * n).map { _ in rng.nextUnitFloat() - 0.5 }
        var results: [[Float]] = []
        for t in [1, 2, 3] {
            var c = [Float](repeating: 0, count: m * n)
            GEMM.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n, pool: ThreadPool(threads: t, splitsEveryJob: true))
            results.append(c)
        }
        #expect(results[0].map(\.bitPattern) == results[1].map(\.bitPattern))
        #expect(results[0].map(\.bitPattern) == results[2].map(\.bitPattern))
    }

    /// A column's sums do not depend on how many columns come with it: N ≤ 8 (8-lane kernel)
    /// gives the bits of the same columns inside an N = 13 GEMM (16-lane kernel), which
    /// `TopKSearch` relies on for a query searched alone or in a batch.
    @Test func narrowColumnsAreTheSameBitsAtAnyWidth() {
        var rng = SeededGenerator(seed: 13)
        let m = 50, k = 37, wide = 13
        let a = (0..<m * k).map { _ in rng.nextUnitFloat() - 0.5 }, bt = (0..<wide * k).map { _ in rng.nextUnitFloat() - 0.5 }
        var all = [Float](repeating: 0, count: m * wide)
        GEMM.sgemm(m: m, n: wide, k: k, a: a, lda: k, b: bt, ldb: k, transB: true, c: &all, ldc: wide, pool: .serial)
        for n in [1, 3, 8] {
            var c = [Float](repeating: 0, count: m * n)
            GEMM.sgemm(m: m, n: n, k: k, a: a, lda: k, b: bt, ldb: k, transB: true, c: &c, ldc: n, pool: .serial)
            let same = (0..<m).allSatisfy { i in (0..<n).allSatisfy { c[i * n + $0].bitPattern == all[i * wide + $0].bitPattern } }
            #expect(same, "n=\(n)")
        }
    }

    @Test func batchedMatmulBroadcastsAndChecksShapes() throws {
        var rng = SeededGenerator(seed: 12)
        let a = try Tensor(shape: [2, 1, 3, 4], floats: (0..<24).map { _ in rng.nextUnitFloat() })
        let b = try Tensor(shape: [3, 4, 5], floats: (0..<60).map { _ in rng.nextUnitFloat() })
        let c = try Kernels.matmul(a, b)
        #expect(c.shape == [2, 3, 3, 5])
        // Element [1, 2, 0, 4] = a[1,0,0,:] · b[2,:,4]
        var s: Float = 0
        for p in 0..<4 { s += a.floats[12 + p] * b.floats[40 + p * 5 + 4] }
        #expect(abs(c.floats[((1 * 3 + 2) * 3 + 0) * 5 + 4] - s) < 1e-5)
        #expect(throws: TensorError.self) { try Kernels.matmul(a, try Tensor(zeros: [5, 5])) }
        #expect(throws: TensorError.self) { try Kernels.matmul(try Tensor(zeros: [4]), b) }
    }
}
