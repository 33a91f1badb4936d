// Batch normalisation (per channel over batch and space) and layer normalisation (per row over
// the last axis), forward and backward.
//
// Statistics are two-pass (mean, then centred variance) in Float with 16-lane accumulators.
// Batch norm works one channel per task; layer norm one row per task for row statistics and
// one column block per task for the γ/β gradients (which sum over rows in order) — so no sum is
// ever split by thread count.

/// Normalisation kernels on raw buffers.
public enum Normalization {
    /// (channels, outer, inner) view of an input whose axis 1 is the channel axis: (N, C, …).
    static func bnView(_ shape: [Int]) -> (n: Int, c: Int, inner: Int) {
        (shape[0], shape.count > 1 ? shape[1] : 1, shape.count > 2 ? shape[2...].reduce(1, *) : 1)
    }

    /// Training-mode batch norm. Writes y and the batch statistics `mean`, `invStd` (1/√(var+eps),
    /// biased variance), and updates running statistics into `newRunningMean/Var`:
    /// running = (1 - momentum)·running + momentum·batch, with the unbiased variance (PyTorch).
    public static func batchNormTrain(_ x: UnsafePointer<Float>, shape: [Int], gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                      runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>,
                                      momentum: Float, eps: Float,
                                      y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
                                      newRunningMean: UnsafeMutablePointer<Float>, newRunningVar: UnsafeMutablePointer<Float>,
                                      pool: ThreadPool = .shared) {
        let (n, c, inner) = bnView(shape)
        let m = n * inner
        pool.parallelRows(c, costPerRow: 3 * m, family: .reduction) { ch in
            var s: Float = 0
            for i in 0..<n { s += Reduction.sumRun(x + (i * c + ch) * inner, inner) }
            let mu = s / Float(m)
            var v: Float = 0
            for i in 0..<n { v += sumSquaredDeviation(x + (i * c + ch) * inner, inner, mu) }
            let biased = v / Float(m)
            let inv = 1 / (biased + eps).squareRoot()
            mean[ch] = mu
            invStd[ch] = inv
            let unbiased = m > 1 ? v / Float(m - 1) : biased
            newRunningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mu
            newRunningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * unbiased
            let a = gamma[ch] * inv, b = beta[ch] - mu * a
            for i in 0..<n { affine(x + (i * c + ch) * inner, y + (i * c + ch) * inner, inner, a, b) }
        }
    }

    /// Inference-mode batch norm with the running statistics.
    public static func batchNormEval(_ x: UnsafePointer<Float>, shape: [Int], gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                     runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>, eps: Float,
                                     y: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
        let (n, c, inner) = bnView(shape)
        pool.parallelRows(n * c, costPerRow: inner, family: .elementwise) { r in
            let ch = r % c
            let inv = 1 / (runningVar[ch] + eps).squareRoot()
            let a = gamma[ch] * inv, b = beta[ch] - runningMean[ch] * a
            affine(x + r * inner, y + r * inner, inner, a, b)
        }
    }

    /// Batch norm backward given the saved batch statistics (training mode), or the running
    /// statistics' `invStd` with `training` false (then the statistics are constants).
    public static func batchNormBackward(_ x: UnsafePointer<Float>, dy: UnsafePointer<Float>, shape: [Int],
                                         gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                         training: Bool,
                                         dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
                                         pool: ThreadPool = .shared) {
        let (n, c, inner) = bnView(shape)
        let m = Float(n * inner)
        pool.parallelRows(c, costPerRow: 3 * n * inner, family: .reduction) { ch in
            let mu = mean[ch], inv = invStd[ch]
            var sdy: Float = 0, sdyx: Float = 0
            for i in 0..<n {
                let off = (i * c + ch) * inner
                sdy += Reduction.sumRun(dy + off, inner)
                sdyx += dotCentered(dy + off, x + off, inner, mu)
            }
            let dg = sdyx * inv
            dGamma[ch] = dg
            dBeta[ch] = sdy
            let g = gamma[ch] * inv
            for i in 0..<n {
                let off = (i * c + ch) * inner
                if training {
                    // dx = γ·inv/m · (m·dy - Σdy - x̂·Σ(dy·x̂))
                    let k1 = splat(g), k2 = splat(sdy / m), k3 = splat(dg * inv / m), mv = splat(mu)
                    mapVectors2(dy + off, x + off, dx + off, inner) { d, xv in k1 * (d - k2 - (xv - mv) * k3) }
                } else {
                    Elementwise.scale(dy + off, g, dx + off, inner)
                }
            }
        }
    }

    /// Layer norm over the last axis (length d) of `rows` rows: y = x̂·γ + β, saving mean and
    /// 1/σ per row.
    public static func layerNorm(_ x: UnsafePointer<Float>, rows: Int, d: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                 eps: Float, y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                 invStd: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
        pool.parallelRows(rows, costPerRow: 3 * d, family: .reduction) { r in
            let xr = x + r * d
            let mu = Reduction.sumRun(xr, d) / Float(d)
            let inv = 1 / (sumSquaredDeviation(xr, d, mu) / Float(d) + eps).squareRoot()
            mean[r] = mu
            invStd[r] = inv
            let mv = splat(mu), iv = splat(inv)
            let yr = y + r * d
            var q = 0
            while q + 16 <= d {
                let xv = UnsafeRawPointer(xr + q).loadUnaligned(as: F16.self)
                let gv = UnsafeRawPointer(gamma + q).loadUnaligned(as: F16.self)
                let bv = UnsafeRawPointer(beta + q).loadUnaligned(as: F16.self)
                UnsafeMutableRawPointer(yr + q).storeBytes(of: (xv - mv) * iv * gv + bv, as: F16.self)
                q += 16
            }
            while q < d { yr[q] = (xr[q] - mu) * inv * gamma[q] + beta[q]; q += 1 }
        }
    }

    /// Layer norm backward: dx per row; dγ = Σ_rows dy·x̂ and dβ = Σ_rows dy, summed in row order.
    public static func layerNormBackward(_ x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int, d: Int,
                                         gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                         dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>,
                                         dBeta: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
        // Scalar loops over the row (a fixed summation order per row).
        pool.parallelRows(rows, costPerRow: 4 * d, family: .direct) { r in
            let xr = x + r * d, gr = dy + r * d, dr = dx + r * d
            let mu = mean[r], inv = invStd[r]
            // a = mean(dy·γ), b = mean(dy·γ·x̂)
            var sa: Float = 0, sb: Float = 0
            for q in 0..<d {
                let g = gr[q] * gamma[q]
                sa += g
                sb += g * (xr[q] - mu) * inv
            }
            let a = sa / Float(d), b = sb / Float(d)
            for q in 0..<d {
                let xhat = (xr[q] - mu) * inv
                dr[q] = inv * (gr[q] * gamma[q] - a - xhat * b)
            }
        }
        let block = 256
        let blocks = (d + block - 1) / block
        pool.parallelRows(blocks, costPerRow: 2 * rows * min(block, d), family: .direct) { bi in
            let c0 = bi * block, cn = min(block, d - c0)
            for q in c0..<(c0 + cn) { dGamma[q] = 0; dBeta[q] = 0 }
            for r in 0..<rows {
                let mu = mean[r], inv = invStd[r]
                for q in c0..<(c0 + cn) {
                    let g = dy[r * d + q]
                    dGamma[q] += g * (x[r * d + q] - mu) * inv
                    dBeta[q] += g
                }
            }
        }
    }

    @inline(__always)
    static func sumSquaredDeviation(_ p: UnsafePointer<Float>, _ n: Int, _ mu: Float) -> Float {
        var acc = F16()
        let mv = splat(mu)
        var i = 0
        while i + 16 <= n {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: F16.self) - mv
            acc.addProduct(v, v)
            i += 16
        }
        var s = Reduction.foldLanes(acc)
        while i < n { let v = p[i] - mu; s += v * v; i += 1 }
        return s
    }

    @inline(__always)
    static func dotCentered(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, _ mu: Float) -> Float {
        var acc = F16()
        let mv = splat(mu)
        var i = 0
        while i + 16 <= n {
            let gv = UnsafeRawPointer(g + i).loadUnaligned(as: F16.self)
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: F16.self) - mv
            acc.addProduct(gv, xv)
            i += 16
        }
        var s = Reduction.foldLanes(acc)
        while i < n { s += g[i] * (x[i] - mu); i += 1 }
        return s
    }

    @inline(__always)
    static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ a: Float, _ b: Float) {
        let av = splat(a), bv = splat(b)
        mapVectors(x, y, n) { $0 * av + bv }
    }
}
