import Testing
import Foundation
@testable import DCLTensor

func t(_ shape: [Int], _ values: [Float]) throws -> Tensor { try Tensor(shape: shape, floats: values) }

func close(_ a: [Float], _ b: [Float], _ tol: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tol * max(1, abs($1)) }
}

@Suite struct KernelTests {
    @Test func broadcastingBinaryOps() throws {
        let a = try t([2, 3], [1, 2, 3, 4, 5, 6]), b = try t([3], [10, 20, 30]), c = try t([2, 1], [2, 4])
        #expect(try Kernels.binary(.add, a, b).floats == [11, 22, 33, 14, 25, 36])
        #expect(try Kernels.binary(.sub, c, b).floats == [-8, -18, -28, -6, -16, -26])
        #expect(try Kernels.binary(.mul, a, c).floats == [2, 4, 6, 16, 20, 24])
        #expect(try Kernels.binary(.div, a, c).floats == [0.5, 1, 1.5, 1, 1.25, 1.5])
        #expect(try Kernels.binary(.maximum, a, try t([], [3.5])).floats == [3.5, 3.5, 3.5, 4, 5, 6])
        #expect(try Kernels.binary(.add, c, b).shape == [2, 3])
        #expect(throws: TensorError.self) { try Kernels.binary(.add, a, try t([2], [1, 2])) }
    }

    @Test func vectorMathIsAccurate() throws {
        var rng = SeededGenerator(seed: 30)
        let xs = (0..<1001).map { _ in (rng.nextUnitFloat() - 0.5) * 40 }
        let x = try t([xs.count], xs)
        let e = try Kernels.unary(.exp, x).floats
        let th = try Kernels.activation(.tanh, x).floats
        let sg = try Kernels.activation(.sigmoid, x).floats
        for i in xs.indices {
            let v = Double(xs[i])
            #expect(abs(Double(e[i]) - Foundation.exp(v)) <= 3e-7 * Foundation.exp(v))
            #expect(abs(Double(th[i]) - Foundation.tanh(v)) <= 3e-7)
            #expect(abs(Double(sg[i]) - 1 / (1 + Foundation.exp(-v))) <= 3e-7)
        }
        let pos = try t([5], [1e-30, 0.5, 1, 3, 1e30])
        let l = try Kernels.unary(.log, pos).floats
        for (i, v) in pos.floats.enumerated() { #expect(abs(Double(l[i]) - Foundation.log(Double(v))) <= 2e-7 * max(1, abs(Foundation.log(Double(v))))) }
        #expect(try Kernels.unary(.log, try t([2], [0, -1])).floats[0] == -.infinity)
        let sq = try Kernels.unary(.sqrt, try t([xs.count], xs.map { abs($0) * 1e3 })).floats
        for i in xs.indices {
            let ref = Float(Double(abs(xs[i]) * 1e3).squareRoot())
            #expect(abs(sq[i] - ref) <= ref.ulp, "sqrt(\(abs(xs[i]) * 1e3)) = \(sq[i]), expected \(ref)")
        }
        let special = try Kernels.unary(.sqrt, try t([5], [0, .infinity, -1, .nan, 1e-38])).floats
        #expect(special[0] == 0 && special[1] == .infinity && special[2].isNaN && special[3].isNaN)
        #expect(abs(special[4] - Float(1e-19)) <= Float(1e-19).ulp * 2)
        #expect(try Kernels.unary(.exp, try t([3], [-200, 200, .nan])).floats.map { $0.isNaN ? -1 : $0 } == [0, .infinity, -1])
    }

    /// The top of exp's range, where 2^n needs n = 128 (scaled by 2^127, then 2): lanes with and
    /// without that correction side by side in one vector, so a lane mix-up in the select shows.
    @Test func expNearOverflowPerLane() throws {
        let xs: [Float] = (0..<32).map { i in i.isMultiple(of: 2) ? 88.0 + Float(i) * 0.02 : Float(i) * 0.5 - 8 }
        let e = try Kernels.unary(.exp, try t([xs.count], xs)).floats
        for (i, x) in xs.enumerated() {
            let ref = Foundation.exp(Double(x))
            if ref > Double(Float.greatestFiniteMagnitude) {
                #expect(e[i] == .infinity, "exp(\(x))")
            } else {
                #expect(abs(Double(e[i]) - ref) <= 3e-7 * ref, "exp(\(x)) = \(e[i]), expected \(ref)")
            }
        }
    }

    @Test func geluIsTheTanhApproximation() throws {
        let xs: [Float] = [-3, -1, -0.1, 0, 0.5, 2]
        let y = try Kernels.activation(.gelu, try t([6], xs)).floats
        for (i, x) in xs.enumerated() {
            let d = Double(x)
            let ref = 0.5 * d * (1 + Foundation.tanh(0.7978845608028654 * (d + 0.044715 * d * d * d)))
            #expect(abs(Double(y[i]) - ref) < 1e-6)
        }
    }

    @Test func reductionsAlongAnyAxes() throws {
        let x = try t([2, 3, 2], (0..<12).map(Float.init))
        #expect(try Kernels.reduce(.sum, x, axes: [1]).floats == [6, 9, 24, 27])
        #expect(try Kernels.reduce(.sum, x, axes: [0, 2]).floats == [14, 22, 30])
        #expect(try Kernels.reduce(.mean, x, axes: [-1], keepDims: true).shape == [2, 3, 1])
        #expect(try Kernels.reduce(.max, x, axes: [0, 1]).floats == [10, 11])
        #expect(try Kernels.reduce(.sum, x, axes: [0, 1, 2]).floats == [66])
        #expect(throws: TensorError.self) { try Kernels.reduce(.sum, x, axes: [3]) }
        #expect(throws: TensorError.self) { try Kernels.reduce(.sum, x, axes: [1, 1]) }
        // A long full reduction is chunked; check against a Float64 sum.
        var rng = SeededGenerator(seed: 31)
        let big = (0..<100_003).map { _ in rng.nextUnitFloat() }
        let s = try Kernels.reduce(.sum, try t([big.count], big), axes: [0]).floats[0]
        #expect(abs(Double(s) - big.reduce(0.0) { $0 + Double($1) }) < 1e-2)
    }

    @Test func softmaxRowsSumToOne() throws {
        var rng = SeededGenerator(seed: 32)
        let x = try t([3, 37], (0..<111).map { _ in (rng.nextUnitFloat() - 0.5) * 20 })
        let s = try Kernels.softmax(x, axis: 1)
        for r in 0..<3 { #expect(abs(s.floats[(r * 37)..<((r + 1) * 37)].reduce(0, +) - 1) < 1e-5) }
        let ls = try Kernels.softmax(x, axis: 1, log: true)
        #expect(close(ls.floats.map { Foundation.exp($0) }, s.floats, 1e-5))
        let s0 = try Kernels.softmax(x, axis: 0)
        for c in 0..<37 { #expect(abs((0..<3).map { s0.floats[$0 * 37 + c] }.reduce(0, +) - 1) < 1e-5) }
    }

    @Test func layoutOps() throws {
        let x = try t([2, 3, 4], (0..<24).map(Float.init))
        let p = try Kernels.permute(x, [2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        #expect(p.floats[1 * 6 + 1 * 3 + 2] == x.floats[1 * 12 + 2 * 4 + 1])
        let big = try t([40, 33], (0..<1320).map(Float.init))
        let bt = try Kernels.permute(big, [1, 0])
        #expect(bt.floats[5 * 40 + 17] == big.floats[17 * 33 + 5])
        let c = try Kernels.concat([try t([2, 1], [1, 2]), try t([2, 2], [3, 4, 5, 6])], axis: 1)
        #expect(c.floats == [1, 3, 4, 2, 5, 6])
        #expect(try Kernels.slice(x, starts: [1, 1, 2], sizes: [1, 2, 2]).floats == [18, 19, 22, 23])
        #expect(throws: TensorError.self) { try Kernels.slice(x, starts: [1, 2, 0], sizes: [1, 2, 1]) }
        #expect(try Kernels.broadcast(try t([2, 1], [1, 2]), to: [2, 3]).floats == [1, 1, 1, 2, 2, 2])
        // ICIIA shuffle: (P=2, k=3) → (3, 2).
        #expect(try Kernels.shuffle(try t([1, 6], [0, 1, 2, 3, 4, 5]), axis: 1, groups: 2).floats == [0, 3, 1, 4, 2, 5])
        #expect(throws: TensorError.self) { try Kernels.shuffle(try t([1, 6], [0, 1, 2, 3, 4, 5]), axis: 1, groups: 4) }
    }

    @Test func shuffleMatchesThePermuteItStandsFor() throws {
        // The table path (last axis) and the permute path (inner axes) against the permutation
        // written out: out[o, j, p, i] = x[o, p, j, i] for the axis viewed as (P, k).
        for (shape, axis, groups) in [([3, 64], 1, 8), ([5, 64], 1, 1), ([2, 7, 12], 2, 3), ([4, 12, 3], 1, 4), ([1, 6, 2, 2], 1, 2), ([0, 8], 1, 2)] {
            let x = try t(shape, (0..<shape.reduce(1, *)).map(Float.init))
            let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *), k = shape[axis] / groups
            let want = try Kernels.permute(try x.reshaped([outer, groups, k, inner]), [0, 2, 1, 3])
            let got = try Kernels.shuffle(x, axis: axis, groups: groups)
            #expect(got.shape == shape)
            #expect(got.floats == want.floats, "shape \(shape), axis \(axis), groups \(groups)")
        }
    }

    @Test func gatherAndScatterAdd() throws {
        let table = try t([3, 2], [0, 1, 10, 11, 20, 21])
        let idx = try Tensor(shape: [2, 2], ints: [2, 0, 2, 1])
        #expect(try Kernels.gather(table, idx).floats == [20, 21, 0, 1, 20, 21, 10, 11])
        let s = try Kernels.scatterAdd(try t([2, 2, 2], [1, 1, 2, 2, 3, 3, 4, 4]), idx, rows: 3)
        #expect(s.floats == [2, 2, 4, 4, 4, 4])
        #expect(throws: TensorError.self) { try Kernels.gather(table, try Tensor(shape: [1], ints: [3])) }
        #expect(throws: TensorError.self) { try Kernels.gather(table, try Tensor(shape: [1], ints: [-1])) }
    }

    @Test func lossesMatchDefinitions() throws {
        let logits = try t([2, 3], [1, 2, 3, 0, 0, 0])
        let labels = try Tensor(shape: [2], ints: [2, 0])
        let l0 = Foundation.log(Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0)) - 3
        let l1 = Foundation.log(3.0)
        #expect(abs(Double(try Kernels.crossEntropy(logits, labels: labels)) - (l0 + l1) / 2) < 1e-6)
        #expect(throws: TensorError.self) { try Kernels.crossEntropy(logits, labels: try Tensor(shape: [2], ints: [3, 0])) }
        let x: [Float] = [0.5, -2], tt: [Float] = [1, 0]
        let bce = Losses.bceWithLogits(x, tt, count: 2)
        let ref = ([0.5, -2.0].enumerated().map { i, v in max(v, 0) - v * Double(tt[i]) + Foundation.log(1 + Foundation.exp(-abs(v))) }.reduce(0, +)) / 2
        #expect(abs(Double(bce) - ref) < 1e-6)
        #expect(Losses.mse([1, 2, 3], [1, 0, 0], count: 3) == Float(13) / 3)
        // KL of identical distributions is 0; swapping changes it.
        let s: [Float] = [1, 2, 0.5, 0, 1, 3]
        #expect(abs(Losses.klDistill(student: s, teacher: s, rows: 2, classes: 3, temperature: 2)) < 1e-6)
        #expect(Losses.klDistill(student: s, teacher: [0, 0, 0, 1, 1, 1], rows: 2, classes: 3, temperature: 2) > 0)
    }

    @Test func normsMatchDefinitions() throws {
        let x = try t([2, 4], [1, 2, 3, 4, 2, 2, 2, 6])
        let (y, m, s) = try Kernels.layerNorm(x, gamma: try t([4], [1, 1, 1, 1]), beta: try t([4], [0, 0, 0, 0]))
        #expect(m.floats == [2.5, 3])
        #expect(abs(s.floats[0] - 1 / (1.25 + 1e-5).squareRoot()) < 1e-6)
        #expect(abs(y.floats[0..<4].reduce(0, +)) < 1e-5)
        // Batch norm: per-channel statistics and running-statistics update.
        let xb: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]   // (N=2, C=2, 2)
        var yb = [Float](repeating: 0, count: 8), mean = [Float](repeating: 0, count: 2), inv = mean, rm = mean, rv = mean
        Normalization.batchNormTrain(xb, shape: [2, 2, 2], gamma: [1, 2], beta: [0, 1], runningMean: [0, 0], runningVar: [1, 1],
                                     momentum: 0.1, eps: 0, y: &yb, mean: &mean, invStd: &inv, newRunningMean: &rm, newRunningVar: &rv)
        #expect(mean == [3.5, 5.5])                 // channel 0: 1,2,5,6; channel 1: 3,4,7,8
        #expect(abs(inv[0] - 1 / Float(4.25).squareRoot()) < 1e-6)
        #expect(abs(rm[0] - 0.35) < 1e-6)
        #expect(abs(rv[0] - (0.9 + 0.1 * 17 / 3)) < 1e-5)   // unbiased variance 17/3
    }

    @Test func dropoutIsSeededAndScaled() throws {
        let x = [Float](repeating: 1, count: 10_000)
        var y1 = x, y2 = x, y3 = x, m = x
        Dropout.forward(x, &y1, mask: &m, count: x.count, p: 0.25, seed: 5, step: 3, pool: ThreadPool(threads: 1))
        Dropout.forward(x, &y2, mask: &m, count: x.count, p: 0.25, seed: 5, step: 3, pool: ThreadPool(threads: 2, splitsEveryJob: true))
        Dropout.forward(x, &y3, mask: &m, count: x.count, p: 0.25, seed: 5, step: 4, pool: ThreadPool(threads: 2, splitsEveryJob: true))
        #expect(y1 == y2)
        #expect(y1 != y3)
        let kept = y1.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 4 / 3) < 1e-6 })
        #expect(abs(Double(kept.count) / 10_000 - 0.75) < 0.02)
    }

    @Test func selectionUtilities() throws {
        let x = try t([2, 4], [1, 5, 5, 2, -1, -3, 0, .nan])
        let (v, i) = try Kernels.topK(x, k: 2)
        #expect(v.floats == [5, 5, 0, -1])
        #expect(i.ints == [1, 2, 2, 0])
        #expect(try Kernels.argmax(try t([2, 3], [1, 3, 3, 0, -1, 2]), axis: 1).ints == [1, 2])
        let sim = try Kernels.cosineSimilarity(try t([2, 2], [1, 0, 0, 2]), try t([3, 2], [2, 0, 1, 1, 0, 0]))
        #expect(close(sim.floats, [1, Float(0.5).squareRoot(), 0, 0, Float(0.5).squareRoot(), 0]))
        #expect(throws: TensorError.self) { try Kernels.topK(x, k: 5) }
    }

    @Test func partitionedLinearIsBlockDiagonal() throws {
        var rng = SeededGenerator(seed: 33)
        // Direct scalar (2 outputs per block), direct eight-wide (8 and 16), GEMM (20 × 18).
        for (blocks, bo, bi) in [(3, 2, 4), (8, 8, 8), (4, 16, 16), (2, 8, 5), (2, 20, 18)] {
            let rows = 5, inF = blocks * bi, outF = blocks * bo
            let x = (0..<rows * inF).map { _ in rng.nextUnitFloat() - 0.5 }, w = (0..<blocks * bo * bi).map { _ in rng.nextUnitFloat() - 0.5 }
            var y = [Float](repeating: 0, count: rows * outF)
            PartitionedLinear.forward(x, rows: rows, inFeatures: inF, w, blocks: blocks, outFeatures: outF, &y)
            // Dense equivalent: W_dense[o, i] = W[p][o % bo][i % bi] on diagonal blocks, else 0.
            for r in 0..<rows { for o in 0..<outF {
                let p = o / bo
                var s: Float = 0
                for q in 0..<bi { s += x[r * inF + p * bi + q] * w[(p * bo + o % bo) * bi + q] }
                if bo <= 16 && bi <= 16 {
                    // The direct paths add products in input order without FMA: exactly `s`.
                    #expect(y[r * outF + o] == s, "P=\(blocks) \(bo)×\(bi), row \(r), output \(o)")
                } else {
                    #expect(abs(y[r * outF + o] - s) < 1e-5)
                }
            }}
        }
    }

    /// The weight gradient read in place equals, bit for bit, the batched matmul of transposed
    /// copies it replaced (dW[p] = dy_pᵀ · x_p), for direct-size and GEMM-size blocks.
    @Test func partitionedLinearWeightGradientIsTheBatchedMatmul() throws {
        var rng = SeededGenerator(seed: 34)
        for (blocks, bo, bi, rows) in [(8, 8, 8, 17), (4, 16, 16, 33), (1, 64, 64, 17), (2, 20, 18, 5), (3, 2, 4, 300)] {
            let inF = blocks * bi, outF = blocks * bo
            let x = (0..<rows * inF).map { _ in rng.nextUnitFloat() - 0.5 }, dy = (0..<rows * outF).map { _ in rng.nextUnitFloat() - 0.5 }
            var dw = [Float](repeating: .nan, count: blocks * bo * bi)
            PartitionedLinear.backwardWeight(x, dy, rows: rows, inFeatures: inF, outFeatures: outF, blocks: blocks, &dw)
            // (P, o, M) and (P, M, i) copies, then one batched matmul.
            var gp = [Float](repeating: 0, count: blocks * bo * rows), xp = [Float](repeating: 0, count: blocks * rows * bi)
            for r in 0..<rows { for p in 0..<blocks {
                for o in 0..<bo { gp[(p * bo + o) * rows + r] = dy[r * outF + p * bo + o] }
                for q in 0..<bi { xp[(p * rows + r) * bi + q] = x[r * inF + p * bi + q] }
            }}
            var ref = [Float](repeating: 0, count: blocks * bo * bi)
            Matmul.run(gp, [blocks, bo, rows], transposeA: false, xp, [blocks, rows, bi], transposeB: false, &ref, [blocks, bo, bi])
            #expect(dw == ref, "P=\(blocks) \(bo)×\(bi), \(rows) rows")
        }
    }

    @Test func wrongDTypesAreErrorsNotTraps() throws {
        let i = try Tensor(zeros: [2, 2], dtype: .int32), f = try Tensor(zeros: [2, 2])
        #expect(throws: TensorError.self) { try Kernels.matmul(i, f) }
        #expect(throws: TensorError.self) { try Kernels.binary(.add, f, i) }
        #expect(throws: TensorError.self) { try Kernels.activationBackward(.relu, dy: i, saved: f) }
        #expect(throws: TensorError.self) { try Kernels.layerNorm(i, gamma: try Tensor(zeros: [2]), beta: try Tensor(zeros: [2])) }
        #expect(throws: TensorError.self) { try Kernels.gather(f, f) }
        #expect(throws: TensorError.self) { try Kernels.crossEntropy(f, labels: f) }
        #expect(throws: TensorError.self) { try Kernels.conv2d(try Tensor(zeros: [1, 1, 3, 3], dtype: .int32), try Tensor(zeros: [1, 1, 2, 2])) }
    }

    @Test func checkFiniteFindsNaN() throws {
        #expect(throws: Never.self) { try Kernels.checkFinite(try t([20], [Float](repeating: 1, count: 20))) }
        var v = [Float](repeating: 1, count: 40)
        v[33] = .nan
        #expect(throws: TensorError.self) { try Kernels.checkFinite(try t([40], v), "activations") }
        v[33] = -.infinity
        #expect(throws: TensorError.self) { try Kernels.checkFinite(try t([40], v)) }
    }
}
