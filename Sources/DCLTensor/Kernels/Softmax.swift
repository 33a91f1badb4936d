// Softmax and log-softmax along one axis, and their backward kernels.
//
// The tensor is viewed as (outer, n, inner) with n the softmax axis. For the common last-axis
// case (inner == 1) each row is processed contiguously with the 16-lane exp; otherwise the inner
// dimension is the vector dimension and the axis is walked with stride `inner`. Rows are
// independent, so splitting them over threads cannot change results.

/// Softmax-family kernels on raw buffers.
public enum Softmax {
    /// `(outer, n, inner)` view of `shape` around `axis`.
    public static func view(_ shape: [Int], axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        return (outer, shape[axis], inner)
    }

    /// `y = softmax(x)` (or log-softmax when `log`) along `axis`.
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, shape: [Int],
                               axis: Int, log: Bool, pool: ThreadPool = .shared) {
        let (outer, n, inner) = view(shape, axis: axis)
        if outer * n * inner == 0 { return }
        pool.parallelRows(outer * inner, costPerRow: n, family: .transcendental) { r in
            let o = r / inner, i = r % inner
            let xs = x + o * n * inner + i, ys = y + o * n * inner + i
            if inner == 1 { rowContiguous(xs, ys, n, log) } else { rowStrided(xs, ys, n, inner, log) }
        }
    }

    /// Softmax backward from the output: `dx = y ⊙ (dy - Σ dy⊙y)`; log-softmax backward:
    /// `dx = dy - exp(y) · Σ dy`. `dx` may alias `dy`.
    public static func backward(y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                shape: [Int], axis: Int, log: Bool, pool: ThreadPool = .shared) {
        let (outer, n, inner) = view(shape, axis: axis)
        if outer * n * inner == 0 { return }
        // Log-softmax backward takes one exp per element; softmax backward is plain arithmetic.
        pool.parallelRows(outer * inner, costPerRow: log ? n : 3 * n, family: log ? .transcendental : .elementwise) { r in
            let o = r / inner, i = r % inner
            let base = o * n * inner + i
            var s: Float = 0
            if log {
                for q in 0..<n { s += dy[base + q * inner] }
                if inner == 1 {
                    let sv = splat(s)
                    mapVectors2(dy + base, y + base, dx + base, n) { g, yy in g - vexp(yy) * sv }
                } else {
                    for q in 0..<n { let p = base + q * inner; dx[p] = dy[p] - sexp(y[p]) * s }
                }
            } else {
                for q in 0..<n { s += dy[base + q * inner] * y[base + q * inner] }
                if inner == 1 {
                    let sv = splat(s)
                    mapVectors2(dy + base, y + base, dx + base, n) { g, yy in yy * (g - sv) }
                } else {
                    for q in 0..<n { let p = base + q * inner; dx[p] = y[p] * (dy[p] - s) }
                }
            }
        }
    }

    @inline(__always)
    static func rowContiguous(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ log: Bool) {
        var m: Float = -.infinity
        for q in 0..<n where x[q] > m || x[q] != x[q] { m = x[q] }
        if m == -.infinity { m = 0 }  // all -inf: avoid inf - inf
        let mv = splat(m)
        if log {
            // log_softmax = x - m - log Σ e^(x-m)
            var acc = F16()
            var i = 0
            while i + 16 <= n {
                acc += vexp(UnsafeRawPointer(x + i).loadUnaligned(as: F16.self) - mv)
                i += 16
            }
            var tail = F16(repeating: -.infinity)
            for q in 0..<(n - i) { tail[q] = x[i + q] }
            acc += vexp(tail - mv)
            let lse = m + slog(Reduction.foldLanes(acc))
            let lv = splat(lse)
            mapVectors(x, y, n) { $0 - lv }
        } else {
            mapVectors(x, y, n) { vexp($0 - mv) }
            let s = Reduction.sumRun(UnsafePointer(y), n)
            let inv = splat(1 / s)
            mapVectors(UnsafePointer(y), y, n) { $0 * inv }
        }
    }

    static func rowStrided(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ inner: Int, _ log: Bool) {
        var m: Float = -.infinity
        for q in 0..<n { let v = x[q * inner]; if v > m || v != v { m = v } }
        if m == -.infinity { m = 0 }
        var s: Float = 0
        for q in 0..<n { s += sexp(x[q * inner] - m) }
        if log {
            let lse = m + slog(s)
            for q in 0..<n { y[q * inner] = x[q * inner] - lse }
        } else {
            let inv = 1 / s
            for q in 0..<n { y[q * inner] = sexp(x[q * inner] - m) * inv }
        }
    }
}
