// Losses (mean-reduced scalars) and their gradients.
//
// Per-row terms are computed in parallel into a buffer and then summed in row order, so the
// loss never depends on the thread count.
//
//   cross_entropy(x, y; ε)  = mean_n [ logΣexp(x_n) - Σ_c q_nc x_nc ],  q = (1-ε)·onehot(y) + ε/C
//   bce_with_logits(x, t)   = mean [ max(x,0) - x·t + log(1 + e^-|x|) ]
//   mse(a, b)               = mean (a - b)²
//   kl_distill(s, t; T)     = T² · mean_n Σ_c p_t (log p_t - log p_s),  p = softmax(·/T)

/// Loss kernels on raw buffers. Logits are (rows, classes), row-major.
public enum Losses {
    /// Σ term(r) over rows in row order; the terms (each `costPerRow` units of `family`) are
    /// computed in parallel when that pays.
    static func rowSum(_ rows: Int, costPerRow: Int, family: KernelFamily, _ pool: ThreadPool, _ term: (Int) -> Float) -> Float {
        var buf = [Float](repeating: 0, count: rows)
        buf.withUnsafeMutableBufferPointer { b in
            let p = b.baseAddress!
            pool.parallelRows(rows, costPerRow: costPerRow, family: family) { r in p[r] = term(r) }
        }
        var s: Float = 0
        for v in buf { s += v }
        return s
    }

    /// Checks labels are in `0..<classes`.
    public static func validateLabels(_ labels: UnsafePointer<Int32>, rows: Int, classes: Int) throws {
        for i in 0..<rows where labels[i] < 0 || Int(labels[i]) >= classes {
            throw TensorError("cross_entropy", "label \(labels[i]) at row \(i) is out of range for \(classes) classes")
        }
    }

    @inline(__always)
    static func logSumExp(_ x: UnsafePointer<Float>, _ c: Int, scale: Float = 1) -> Float {
        var m: Float = -.infinity
        for q in 0..<c where x[q] * scale > m { m = x[q] * scale }
        if m == -.infinity { return m }
        var s: Float = 0
        for q in 0..<c { s += sexp(x[q] * scale - m) }
        return m + slog(s)
    }

    public static func crossEntropy(_ x: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
                                    smoothing: Float, pool: ThreadPool = .shared) throws -> Float {
        try validateLabels(labels, rows: rows, classes: classes)
        if rows == 0 { return .nan }
        let total = rowSum(rows, costPerRow: classes, family: .transcendental, pool) { r in
            let xr = x + r * classes
            let lse = logSumExp(xr, classes)
            var dot = (1 - smoothing) * xr[Int(labels[r])]
            if smoothing != 0 { dot += smoothing / Float(classes) * Reduction.sumRun(xr, classes) }
            return lse - dot
        }
        return total / Float(rows)
    }

    /// dx = dLoss · (softmax(x) - q) / rows.
    public static func crossEntropyBackward(_ x: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
                                            smoothing: Float, dLoss: Float, dx: UnsafeMutablePointer<Float>,
                                            pool: ThreadPool = .shared) throws {
        try validateLabels(labels, rows: rows, classes: classes)
        let scale = dLoss / Float(rows)
        let off = smoothing / Float(classes)
        pool.parallelRows(rows, costPerRow: 2 * classes, family: .transcendental) { r in
            let xr = x + r * classes, dr = dx + r * classes
            let lse = logSumExp(xr, classes)
            let l = splat(lse), sc = splat(scale), o = splat(off)
            mapVectors(xr, dr, classes) { v in (vexp(v - l) - o) * sc }
            dr[Int(labels[r])] -= (1 - smoothing) * scale
        }
    }

    public static func bceWithLogits(_ x: UnsafePointer<Float>, _ t: UnsafePointer<Float>, count: Int,
                                     pool: ThreadPool = .shared) -> Float {
        if count == 0 { return .nan }
        let block = 4096
        let blocks = (count + block - 1) / block
        let total = rowSum(blocks, costPerRow: block, family: .transcendental, pool) { b in
            let lo = b * block, n = min(count, lo + block) - lo
            // log(1 + e^-|x|) sixteen lanes at a time (the scalar `slog`/`sexp` run a whole
            // vector each), then the terms summed in element order as before: same bits.
            return withUnsafeTemporaryAllocation(of: Float.self, capacity: block) { buf in
                let softplus = buf.baseAddress!
                mapVectors(x + lo, softplus, n) { v in vlog(splat(1) + vexp(-floats(bits(v) & 0x7FFF_FFFF))) }
                var s: Float = 0
                for i in 0..<n {
                    let v = x[lo + i]
                    s += max(v, 0) - v * t[lo + i] + softplus[i]
                }
                return s
            }
        }
        return total / Float(count)
    }

    /// dx = dLoss·(σ(x) - t)/count, dt = -dLoss·x/count (either may be nil).
    public static func bceWithLogitsBackward(_ x: UnsafePointer<Float>, _ t: UnsafePointer<Float>, count: Int, dLoss: Float,
                                             dx: UnsafeMutablePointer<Float>?, dt: UnsafeMutablePointer<Float>?) {
        let sc = splat(dLoss / Float(count))
        if let dx { mapVectors2(x, t, dx, count) { v, tv in (vsigmoid(v) - tv) * sc } }
        if let dt { mapVectors(x, dt, count) { v in -v * sc } }
    }

    public static func mse(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, pool: ThreadPool = .shared) -> Float {
        if count == 0 { return .nan }
        let block = 4096
        let blocks = (count + block - 1) / block
        let total = rowSum(blocks, costPerRow: 2 * block, family: .reduction, pool) { k in
            var acc = F16()
            var i = k * block
            let hi = min(count, i + block)
            while i + 16 <= hi {
                let d = UnsafeRawPointer(a + i).loadUnaligned(as: F16.self) - UnsafeRawPointer(b + i).loadUnaligned(as: F16.self)
                acc.addProduct(d, d)
                i += 16
            }
            var s = Reduction.foldLanes(acc)
            while i < hi { let d = a[i] - b[i]; s += d * d; i += 1 }
            return s
        }
        return total / Float(count)
    }

    /// da = 2·dLoss·(a - b)/count; db = -da (either may be nil).
    public static func mseBackward(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, dLoss: Float,
                                   da: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?) {
        let sc = splat(2 * dLoss / Float(count))
        if let da { mapVectors2(a, b, da, count) { ($0 - $1) * sc } }
        if let db { mapVectors2(a, b, db, count) { ($1 - $0) * sc } }
    }

    public static func klDistill(student s: UnsafePointer<Float>, teacher t: UnsafePointer<Float>, rows: Int, classes: Int,
                                 temperature T: Float, pool: ThreadPool = .shared) -> Float {
        if rows == 0 { return .nan }
        let inv = 1 / T
        let total = rowSum(rows, costPerRow: 4 * classes, family: .transcendental, pool) { r in
            let sr = s + r * classes, tr = t + r * classes
            let ls = logSumExp(sr, classes, scale: inv), lt = logSumExp(tr, classes, scale: inv)
            var kl: Float = 0
            for q in 0..<classes {
                let logpt = tr[q] * inv - lt, logps = sr[q] * inv - ls
                kl += sexp(logpt) * (logpt - logps)
            }
            return kl
        }
        return T * T * total / Float(rows)
    }

    /// ds = dLoss·T/rows·(p_s - p_t); dt = dLoss·T/rows·p_t ⊙ ((log p_t - log p_s) - KL_row).
    public static func klDistillBackward(student s: UnsafePointer<Float>, teacher t: UnsafePointer<Float>, rows: Int, classes: Int,
                                         temperature T: Float, dLoss: Float,
                                         ds: UnsafeMutablePointer<Float>?, dt: UnsafeMutablePointer<Float>?,
                                         pool: ThreadPool = .shared) {
        let inv = 1 / T
        let scale = dLoss * T / Float(rows)
        pool.parallelRows(rows, costPerRow: 4 * classes, family: .transcendental) { r in
            let sr = s + r * classes, tr = t + r * classes
            let ls = logSumExp(sr, classes, scale: inv), lt = logSumExp(tr, classes, scale: inv)
            var kl: Float = 0
            if dt != nil {
                for q in 0..<classes {
                    let logpt = tr[q] * inv - lt, logps = sr[q] * inv - ls
                    kl += sexp(logpt) * (logpt - logps)
                }
            }
            for q in 0..<classes {
                let logpt = tr[q] * inv - lt, logps = sr[q] * inv - ls
                let pt = sexp(logpt)
                ds?[r * classes + q] = scale * (sexp(logps) - pt)
                dt?[r * classes + q] = scale * pt * ((logpt - logps) - kl)
            }
        }
    }
}
