import DCLTestScratch
import Testing
@testable import DCLTensor
import Synchronization
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Pools that split every job they are handed (so small inputs exercise the parallel paths),
/// one per thread count, plus a 2-thread pool that decides by the cost model.
private let splitting: [Int: ThreadPool] = [2: ThreadPool(threads: 2, splitsEveryJob: true),
                                            3: ThreadPool(threads: 3, splitsEveryJob: true)]
private let costModel2 = ThreadPool(threads: 2)

/// Runs `kernel` with one thread, then with every other pool, and expects bit-identical output.
private func expectSameBits(_ what: String, _ kernel: (ThreadPool) throws -> [Float]) throws {
    let one = try kernel(ThreadPool.serial).map(\.bitPattern)
    #expect(!one.isEmpty, "\(what): no output")
    for pool in [splitting[2]!, splitting[3]!, costModel2] {
        let other = try kernel(pool).map(\.bitPattern)
        #expect(one == other, "\(what): \(pool.threadCount) threads differ from 1")
    }
}

private func randoms(_ n: Int, _ rng: inout SeededGenerator, scale: Float = 2) -> [Float] {
    (0..<n).map { _ in (rng.nextUnitFloat() - 0.5) * scale }
}

private func tensor(_ shape: [Int], _ rng: inout SeededGenerator) throws -> Tensor {
    try Tensor(shape: shape, floats: randoms(shape.reduce(1, *), &rng))
}

/// The worker threads of `pool`: a job of indices that each sleep 0.5 ms gives every worker
/// time to wake and take some; the threads other than the caller that ran one are the workers.
private func workerThreads(of pool: ThreadPool) -> [pthread_t] {
    let caller = pthread_self()
    let found = Mutex<[pthread_t]>([])
    pool.parallelFor(64) { _ in
        usleep(500)
        let me = pthread_self()
        if pthread_equal(me, caller) == 0 {
            found.withLock { ids in if !ids.contains(where: { pthread_equal($0, me) != 0 }) { ids.append(me) } }
        }
    }
    return found.withLock { $0 }
}

/// CPU time (user + system) that `threads` have used so far, in milliseconds.
private func cpuMilliseconds(of threads: [pthread_t]) -> Double {
    var total = 0.0
    for t in threads {
        var clock = clockid_t()
        var ts = timespec()
        guard pthread_getcpuclockid(t, &clock) == 0, clock_gettime(clock, &ts) == 0 else { continue }
        total += Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
    }
    return total
}

@Suite(.serialized, .ownThreads) struct ParallelDriverTests {
    // MARK: the pool parks

    /// After a burst of jobs, an idle pool must not burn CPU: its workers poll for 50 µs and then
    /// park. Over 200 ms of idleness the workers' CPU time (per-thread CPU clocks, so that tests
    /// running concurrently in this process do not count) stays under 5 ms; a spinning worker
    /// would use ~200 ms, and the old 20,000-iteration spin with `sched_yield` used tens per burst.
    @Test func idlePoolUsesNoCPU() {
        let pool = ThreadPool(threads: 3)
        let workers = workerThreads(of: pool)
        #expect(!workers.isEmpty, "no worker joined a 32 ms job")
        let sink = Slots(64)
        for round in 0..<2_000 { pool.parallelFor(64) { i in sink.p[i] &+= round } }
        // Let the workers pass their spin window, then measure.
        usleep(5_000)
        let before = cpuMilliseconds(of: workers)
        usleep(200_000)
        let used = cpuMilliseconds(of: workers) - before
        #expect(used < 5, "an idle pool's workers used \(used) ms of CPU in 200 ms")
        // The parked workers still answer: every index of the next job runs exactly once.
        let hits = Slots(1000)
        pool.parallelFor(1000) { i in hits.p[i] += 1 }
        #expect(hits.values.allSatisfy { $0 == 1 })
    }

    /// Many back-to-back tiny and large jobs, nested calls and two caller threads at once, on
    /// pools whose workers alternate between polling and parking. Bounded: fixed job counts.
    @Test func stressBackToBackNestedAndConcurrentJobs() async {
        let pool = ThreadPool(threads: 3)
        await withTaskGroup(of: Bool.self) { group in
            for caller in 0..<2 {
                group.addTask {
                    var ok = true
                    for round in 0..<400 {
                        let count = [1, 2, 3, 17, 1000][(round + caller) % 5]
                        let hits = Slots(count)
                        pool.parallelFor(count) { i in
                            hits.p[i] += 1
                            if i % 7 == 0 { pool.parallelFor(3) { _ in hits.p[i] += 0 } }   // nested: inline
                        }
                        ok = ok && hits.values.allSatisfy { $0 == 1 }
                        // Large job through the driver, then an occasional pause long enough to park.
                        let n = 50_000
                        let big = Slots(n)
                        pool.parallelRanges(n, costPerItem: 200, family: .elementwise, alignment: 16) { r in
                            for i in r { big.p[i] += 1 }
                        }
                        ok = ok && big.values.allSatisfy { $0 == 1 }
                        if round % 50 == 49 { usleep(200) }
                    }
                    return ok
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    // MARK: the driver's decisions

    @Test func smallWorkRunsInlineAndLargeWorkSplits() {
        let pool = ThreadPool(threads: 2)
        #expect(ThreadPool.serial.threads(forWork: 1e12, .gemm) == 1)
        #expect(pool.threads(forWork: 0, .elementwise) == 1)
        #expect(pool.threads(forWork: .nan, .elementwise) == 1)
        // 1,000 elementwise elements are ~0.25 µs: never worth a wake-up, parked or not.
        #expect(pool.threads(forWork: 1_000, .elementwise) == 1)
        // 10⁹ multiply-adds (~100 ms) pay for every thread, parked or not.
        #expect(pool.threads(forWork: 1e9, .gemm) == 2)
        // A small job on the cost-model pool runs on the calling thread: one range, in order.
        var ranges: [Range<Int>] = []
        pool.parallelRanges(1_000, costPerItem: 1, family: .elementwise) { r in ranges.append(r) }
        #expect(ranges == [0..<1_000])
    }

    @Test(arguments: [1, 7, 16, 100, 1_000, 4_099])
    func rangesCoverEveryItemOnceOnAlignedBoundaries(count: Int) {
        let pool = splitting[3]!
        let seen = Slots(count)
        let starts = Slots(count)
        pool.parallelRanges(count, costPerItem: 1, family: .elementwise, alignment: 16) { r in
            starts.p[r.lowerBound] += 1
            for i in r { seen.p[i] += 1 }
        }
        #expect(seen.values.allSatisfy { $0 == 1 })
        for (i, s) in starts.values.enumerated() where s != 0 { #expect(i % 16 == 0, "range starts at \(i)") }
        let rows = Slots(count)
        pool.parallelRows(count, costPerRow: 1, family: .reduction) { r in rows.p[r] += 1 }
        #expect(rows.values.allSatisfy { $0 == 1 })
    }

    @Test func tasksGetASerialInnerPoolOnlyWhenSplit() {
        let pool = splitting[2]!
        let inner = Slots(6)
        pool.parallelTasks(6, costPerTask: 1, family: .gemm) { i, p in inner.p[i] = p.threadCount }
        #expect(inner.values == [Int](repeating: 1, count: 6))
        let alone = Slots(1)
        pool.parallelTasks(1, costPerTask: 1, family: .gemm) { i, p in alone.p[i] = p.threadCount }
        #expect(alone.values == [2])   // one task: the inner kernel gets the whole pool
    }

    // MARK: bit-identical results for 1, 2 and 3 threads, per kernel family

    @Test func elementwiseAndTranscendentalKernels() throws {
        var rng = SeededGenerator(seed: 40)
        let a = try tensor([37, 129], &rng), b = try tensor([129], &rng), c = try tensor([37, 1], &rng)
        for op in [BinaryOp.add, .mul, .div, .maximum] {
            try expectSameBits("binary \(op)") { try Kernels.binary(op, a, b, pool: $0).floats + Kernels.binary(op, c, a, pool: $0).floats }
        }
        for op in [UnaryOp.exp, .abs, .pow(3)] {
            try expectSameBits("unary \(op)") { try Kernels.unary(op, a, pool: $0).floats }
        }
        for act in [Activation.relu, .gelu, .sigmoid, .tanh] {
            try expectSameBits("activation \(act)") { pool in
                let y = try Kernels.activation(act, a, pool: pool)
                return try y.floats + Kernels.activationBackward(act, dy: a, saved: act.backwardUsesOutput ? y : a, pool: pool).floats
            }
        }
        let x = randoms(10_001, &rng)
        try expectSameBits("dropout") { pool in
            var y = [Float](repeating: 0, count: x.count), m = y
            Dropout.forward(x, &y, mask: &m, count: x.count, p: 0.3, seed: 9, step: 2, pool: pool)
            return y + m
        }
    }

    @Test func reductionKernels() throws {
        var rng = SeededGenerator(seed: 41)
        let x = try tensor([4, 35, 130], &rng)
        for (axes, op) in [([0], ReduceOp.sum), ([2], .max), ([0, 2], .mean), ([1], .sum), ([0, 1, 2], .sum)] {
            try expectSameBits("reduce \(op) \(axes)") { try Kernels.reduce(op, x, axes: axes, pool: $0).floats }
        }
        let long = randoms(40_003, &rng)
        try expectSameBits("sum of squares") { pool in long.withUnsafeBufferPointer { [Reduction.sumOfSquares($0.baseAddress!, $0.count, pool: pool)] } }
        try expectSameBits("softmax") { pool in
            let y = try Kernels.softmax(x, axis: 2, pool: pool), l = try Kernels.softmax(x, axis: 1, log: true, pool: pool)
            var dx = [Float](repeating: 0, count: x.count)
            y.floats.withUnsafeBufferPointer { yp in x.floats.withUnsafeBufferPointer { gp in
                Softmax.backward(y: yp.baseAddress!, dy: gp.baseAddress!, dx: &dx, shape: x.shape, axis: 2, log: false, pool: pool)
            } }
            return y.floats + l.floats + dx
        }
        let rows = 64, classes = 37
        let logits = randoms(rows * classes, &rng, scale: 8), target = randoms(rows * classes, &rng, scale: 8)
        let labels = (0..<rows).map { Int32($0 * 7 % classes) }
        try expectSameBits("losses") { pool in
            var dx = [Float](repeating: 0, count: logits.count), ds = dx, dt = dx
            let ce = try Losses.crossEntropy(logits, labels: labels, rows: rows, classes: classes, smoothing: 0.1, pool: pool)
            try Losses.crossEntropyBackward(logits, labels: labels, rows: rows, classes: classes, smoothing: 0.1, dLoss: 1, dx: &dx, pool: pool)
            let mse = Losses.mse(logits, target, count: logits.count, pool: pool)
            let bce = Losses.bceWithLogits(logits, target, count: logits.count, pool: pool)
            let kl = Losses.klDistill(student: logits, teacher: target, rows: rows, classes: classes, temperature: 2, pool: pool)
            Losses.klDistillBackward(student: logits, teacher: target, rows: rows, classes: classes, temperature: 2, dLoss: 1, ds: &ds, dt: &dt, pool: pool)
            return [ce, mse, bce, kl] + dx + ds + dt
        }
    }

    @Test func normalisationKernels() throws {
        var rng = SeededGenerator(seed: 42)
        let (n, c, inner) = (5, 7, 33)
        let x = randoms(n * c * inner, &rng), dy = randoms(x.count, &rng)
        let gamma = randoms(c, &rng), beta = randoms(c, &rng), rm = randoms(c, &rng), rv = randoms(c, &rng).map { abs($0) + 0.5 }
        try expectSameBits("batch norm") { pool in
            var y = [Float](repeating: 0, count: x.count), dx = y
            var mean = [Float](repeating: 0, count: c), inv = mean, nm = mean, nv = mean, dg = mean, db = mean
            Normalization.batchNormTrain(x, shape: [n, c, inner], gamma: gamma, beta: beta, runningMean: rm, runningVar: rv,
                                         momentum: 0.1, eps: 1e-5, y: &y, mean: &mean, invStd: &inv,
                                         newRunningMean: &nm, newRunningVar: &nv, pool: pool)
            Normalization.batchNormBackward(x, dy: dy, shape: [n, c, inner], gamma: gamma, mean: mean, invStd: inv, training: true,
                                            dx: &dx, dGamma: &dg, dBeta: &db, pool: pool)
            var ye = [Float](repeating: 0, count: x.count)
            Normalization.batchNormEval(x, shape: [n, c, inner], gamma: gamma, beta: beta, runningMean: rm, runningVar: rv,
                                        eps: 1e-5, y: &ye, pool: pool)
            return y + mean + inv + nm + nv + dx + dg + db + ye
        }
        let (rows, d) = (41, 300)
        let lx = randoms(rows * d, &rng), ldy = randoms(rows * d, &rng), lg = randoms(d, &rng), lb = randoms(d, &rng)
        try expectSameBits("layer norm") { pool in
            var y = [Float](repeating: 0, count: lx.count), dx = y
            var mean = [Float](repeating: 0, count: rows), inv = mean, dg = [Float](repeating: 0, count: d), db = dg
            Normalization.layerNorm(lx, rows: rows, d: d, gamma: lg, beta: lb, eps: 1e-5, y: &y, mean: &mean, invStd: &inv, pool: pool)
            Normalization.layerNormBackward(lx, dy: ldy, rows: rows, d: d, gamma: lg, mean: mean, invStd: inv,
                                            dx: &dx, dGamma: &dg, dBeta: &db, pool: pool)
            return y + mean + inv + dx + dg + db
        }
    }

    @Test func gatherAndScatterKernels() throws {
        var rng = SeededGenerator(seed: 43)
        let table = try tensor([50, 300], &rng)
        let idx = try Tensor(shape: [70], ints: (0..<70).map { Int32($0 * 13 % 50) })
        try expectSameBits("gather") { try Kernels.gather(table, idx, pool: $0).floats }
        let src = try tensor([70, 300], &rng)
        try expectSameBits("scatter-add") { try Kernels.scatterAdd(src, idx, rows: 50, pool: $0).floats }
    }

    @Test func gemmLikeKernels() throws {
        var rng = SeededGenerator(seed: 44)
        let a = try tensor([6, 19, 40], &rng), b = try tensor([6, 40, 23], &rng), big = try tensor([2, 70, 300], &rng)
        let w = try tensor([300, 50], &rng)
        try expectSameBits("batched matmul") { try Kernels.matmul(a, b, pool: $0).floats + Kernels.matmul(big, w, pool: $0).floats }
        let x = try tensor([5, 4, 12, 12], &rng)
        for (ws, p) in [([6, 4, 3, 3], Conv2DParams(padding: (1, 1))), ([8, 1, 3, 3], Conv2DParams(groups: 4))] {
            let wt = try tensor(ws, &rng)
            try expectSameBits("conv \(ws)") { pool in
                let y = try Kernels.conv2d(x, wt, params: p, pool: pool)
                let g = try Tensor(shape: y.shape, floats: y.floats.map { $0 * 0.5 - 0.1 })
                return try y.floats + Kernels.conv2dBackwardInput(g, wt, inputShape: x.shape, params: p, pool: pool).floats
                    + Kernels.conv2dBackwardWeight(x, g, weightShape: ws, params: p, pool: pool).floats
            }
        }
        let (rows, inF, outF, blocks) = (33, 48, 32, 4)
        let px = randoms(rows * inF, &rng), pw = randoms(outF * inF / blocks, &rng), pdy = randoms(rows * outF, &rng)
        try expectSameBits("partitioned linear") { pool in
            var y = [Float](repeating: 0, count: rows * outF), dx = [Float](repeating: 0, count: rows * inF)
            var dw = [Float](repeating: 0, count: pw.count)
            PartitionedLinear.forward(px, rows: rows, inFeatures: inF, pw, blocks: blocks, outFeatures: outF, &y, pool: pool)
            PartitionedLinear.backwardInput(pdy, rows: rows, outFeatures: outF, pw, blocks: blocks, inFeatures: inF, &dx, pool: pool)
            PartitionedLinear.backwardWeight(px, pdy, rows: rows, inFeatures: inF, outFeatures: outF, blocks: blocks, &dw, pool: pool)
            return y + dx + dw
        }
    }

    @Test func poolingKernels() throws {
        var rng = SeededGenerator(seed: 45)
        let x = try tensor([3, 5, 14, 14], &rng)
        for kind in [PoolKind.max, .avg] {
            for p in [Conv2DParams(stride: (2, 2)), Conv2DParams(stride: (1, 1), padding: (1, 1))] {
                try expectSameBits("\(kind) pool") { pool in
                    let y = try Kernels.pool2d(kind, x, kernel: (2, 2), params: p, pool: pool)
                    return try y.floats + Kernels.pool2dBackward(kind, x: x, dy: y, kernel: (2, 2), params: p, pool: pool).floats
                }
            }
        }
    }

    @Test func optimizerKernels() throws {
        var rng = SeededGenerator(seed: 46)
        let n = 5_003
        let p0 = randoms(n, &rng), g = randoms(n, &rng)
        try expectSameBits("sgd and adam") { pool in
            var p = p0, buf = [Float](repeating: 0, count: n), q = p0, m = buf, v = buf
            for step in 1...3 {
                OptimizerKernels.sgd(param: &p, grad: g, buffer: &buf, count: n, lr: 0.1, momentum: 0.9, nesterov: true,
                                     weightDecay: 1e-4, gradScale: 1, first: step == 1, pool: pool)
                OptimizerKernels.adam(param: &q, grad: g, m: &m, v: &v, count: n, lr: 1e-3, step: step, beta1: 0.9, beta2: 0.999,
                                      eps: 1e-8, weightDecay: 0.01, decoupled: true, gradScale: 1, pool: pool)
            }
            return p + buf + q + m + v
        }
    }
}
