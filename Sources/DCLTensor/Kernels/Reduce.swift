// Sum / mean / max along any set of axes.
//
// Adjacent axes with the same role (kept or reduced) are merged first, leaving alternating
// groups. Two loop shapes cover every case:
//   * innermost group kept (e.g. a bias gradient, sum over N of (N, C)): each output row of
//     length L is the SIMD sum of input rows, visited in a fixed odometer order;
//   * innermost group reduced (e.g. a row sum over the last axis): each output element sums
//     its contiguous runs with 16-lane accumulators, runs visited in a fixed order.
// Parallel work is split over output elements only. A single huge output (a full reduction of a
// large tensor) is summed in fixed 8192-element chunks whose partials are combined in order,
// so the summation order never depends on the thread count.

/// A reduction kind.
public enum ReduceOp: String, Sendable, CaseIterable {
    case sum, mean, max
}

/// Reduction kernels on raw buffers.
public enum Reduction {
    static let chunk = 8192

    /// The output shape of reducing `shape` over `axes` (already normalised), with or without
    /// kept size-1 dimensions.
    public static func outputShape(_ shape: [Int], axes: [Int], keepDims: Bool) -> [Int] {
        var out: [Int] = []
        for (i, d) in shape.enumerated() {
            if axes.contains(i) { if keepDims { out.append(1) } } else { out.append(d) }
        }
        return out
    }

    /// Normalises possibly negative axes against `rank`, rejecting duplicates and out-of-range values.
    public static func normalizeAxes(_ axes: [Int], rank: Int, op: String) throws -> [Int] {
        var out: [Int] = []
        for a in axes {
            let n = a < 0 ? a + rank : a
            guard n >= 0, n < rank else { throw TensorError(op, "axis \(a) is out of range for rank \(rank)") }
            guard !out.contains(n) else { throw TensorError(op, "axis \(a) is repeated") }
            out.append(n)
        }
        return out.sorted()
    }

    /// Reduces `x` (shape `shape`) over `axes` into `out` (the kept elements, row-major).
    public static func reduce(_ op: ReduceOp, _ x: UnsafePointer<Float>, _ shape: [Int], axes: [Int],
                              _ out: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
        // Merge adjacent dims with the same role; drop size-1 dims.
        var dims: [Int] = [], reduced: [Bool] = []
        var reducedCount = 1
        for (i, d) in shape.enumerated() where d != 1 {
            let r = axes.contains(i)
            if r { reducedCount *= d }
            if let last = reduced.last, last == r {
                dims[dims.count - 1] *= d
            } else {
                dims.append(d); reduced.append(r)
            }
        }
        let outCount = zip(dims, reduced).filter { !$0.1 }.map { $0.0 }.reduce(1, *)
        if shape.contains(0) {
            // Empty input: sum 0, mean NaN, max -inf (numpy raises for max; we keep a value).
            let fill: Float = op == .sum ? 0 : (op == .mean ? .nan : -.infinity)
            out.update(repeating: fill, count: outCount)
            return
        }
        if !reduced.contains(true) {
            out.update(from: x, count: outCount)
            return
        }
        if reduced.last == false {
            keptInner(op, x, dims, reduced, out, pool)
        } else {
            reducedInner(op, x, dims, reduced, out, pool)
        }
        if op == .mean {
            let inv = Float(reducedCount)
            mapVectors(UnsafePointer(out), out, outCount) { $0 / splat(inv) }
        }
    }

    /// Strides (in elements) of the merged dims.
    private static func strides(_ dims: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: dims.count)
        for i in stride(from: dims.count - 2, through: 0, by: -1) { s[i] = s[i + 1] * dims[i + 1] }
        return s
    }

    /// Offsets of all combinations of the dims selected by `mask`, in row-major order.
    private static func offsets(_ dims: [Int], _ st: [Int], _ mask: [Bool]) -> [Int] {
        var result = [0]
        for i in 0..<dims.count where mask[i] {
            var next: [Int] = []
            next.reserveCapacity(result.count * dims[i])
            for o in result { for q in 0..<dims[i] { next.append(o + q * st[i]) } }
            result = next
        }
        return result
    }

    private static func keptInner(_ op: ReduceOp, _ x: UnsafePointer<Float>, _ dims: [Int], _ reduced: [Bool],
                                  _ out: UnsafeMutablePointer<Float>, _ pool: ThreadPool) {
        let st = strides(dims)
        let inner = dims.last!
        var outerMask = reduced.map { !$0 }
        outerMask[outerMask.count - 1] = false
        let outerOffsets = offsets(dims, st, outerMask)
        let redOffsets = offsets(dims, st, reduced)
        // Split each output row into column blocks so narrow-but-many and wide-but-few both
        // parallelise; every element still sums its inputs in `redOffsets` order.
        let colBlock = 1024
        let colBlocks = (inner + colBlock - 1) / colBlock
        let tasks = outerOffsets.count * colBlocks
        let run: (Int) -> Void = { t in
            let o = t / colBlocks, cb = t % colBlocks
            let c0 = cb * colBlock, n = min(colBlock, inner - c0)
            let dst = out + o * inner + c0
            let base = x + outerOffsets[o] + c0
            dst.update(from: base + redOffsets[0], count: n)
            for r in 1..<redOffsets.count {
                let src = base + redOffsets[r]
                if op == .max {
                    mapVectors2(UnsafePointer(dst), src, dst, n) { a, b in a.replacing(with: b, where: (b .> a) .| (b .!= b)) }
                } else {
                    mapVectors2(UnsafePointer(dst), src, dst, n) { $0 + $1 }
                }
            }
        }
        pool.parallelRows(tasks, costPerRow: min(inner, colBlock) * redOffsets.count, family: .reduction, run)
    }

    private static func reducedInner(_ op: ReduceOp, _ x: UnsafePointer<Float>, _ dims: [Int], _ reduced: [Bool],
                                     _ out: UnsafeMutablePointer<Float>, _ pool: ThreadPool) {
        let st = strides(dims)
        let inner = dims.last!
        let outOffsets = offsets(dims, st, reduced.map { !$0 })
        var redMask = reduced
        redMask[redMask.count - 1] = false
        let runOffsets = offsets(dims, st, redMask)
        if outOffsets.count == 1 && runOffsets.count == 1 && inner > chunk {
            // One long run: fixed-size chunks in parallel, partials combined in order.
            let chunks = (inner + chunk - 1) / chunk
            var partials = [Float](repeating: 0, count: chunks)
            partials.withUnsafeMutableBufferPointer { p in
                let pp = p.baseAddress!
                pool.parallelRows(chunks, costPerRow: chunk, family: .reduction) { c in
                    let lo = c * chunk
                    pp[c] = runReduce(op, x + lo, min(chunk, inner - lo))
                }
            }
            var acc = partials[0]
            for c in 1..<chunks { acc = combine(op, acc, partials[c]) }
            out[0] = acc
            return
        }
        let run: (Int) -> Void = { o in
            let base = x + outOffsets[o]
            var acc = runReduce(op, base + runOffsets[0], inner)
            for r in 1..<runOffsets.count { acc = combine(op, acc, runReduce(op, base + runOffsets[r], inner)) }
            out[o] = acc
        }
        pool.parallelRows(outOffsets.count, costPerRow: runOffsets.count * inner, family: .reduction, run)
    }

    @inline(__always)
    static func combine(_ op: ReduceOp, _ a: Float, _ b: Float) -> Float {
        op == .max ? ((b > a || b != b) ? b : a) : a + b
    }

    /// Sum (or max) of `n` contiguous floats with 16-lane accumulators in a fixed order.
    @inline(__always)
    static func runReduce(_ op: ReduceOp, _ p: UnsafePointer<Float>, _ n: Int) -> Float {
        if op == .max {
            var m = F16(repeating: -.infinity)
            var i = 0
            while i + 16 <= n {
                let v = UnsafeRawPointer(p + i).loadUnaligned(as: F16.self)
                m.replace(with: v, where: (v .> m) .| (v .!= v))
                i += 16
            }
            var r = m[0]
            for q in 1..<16 { r = combine(.max, r, m[q]) }
            while i < n { r = combine(.max, r, p[i]); i += 1 }
            return r
        }
        return sumRun(p, n)
    }

    /// Sum of `n` contiguous floats: four 16-lane accumulators, then a fixed pairwise lane fold.
    @inline(__always)
    public static func sumRun(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var a0 = F16(), a1 = F16(), a2 = F16(), a3 = F16()
        var i = 0
        while i + 64 <= n {
            let r = UnsafeRawPointer(p + i)
            a0 += r.loadUnaligned(as: F16.self)
            a1 += (r + 64).loadUnaligned(as: F16.self)
            a2 += (r + 128).loadUnaligned(as: F16.self)
            a3 += (r + 192).loadUnaligned(as: F16.self)
            i += 64
        }
        while i + 16 <= n {
            a0 += UnsafeRawPointer(p + i).loadUnaligned(as: F16.self)
            i += 16
        }
        var s = (a0 + a1) + (a2 + a3)
        var tail = F16()
        for q in 0..<(n - i) { tail[q] = p[i + q] }
        s += tail
        return foldLanes(s)
    }

    /// Sum of 16 lanes in a fixed pairwise order.
    @inline(__always)
    static func foldLanes(_ v: F16) -> Float {
        let h8 = v.lowHalf + v.highHalf
        let h4 = h8.lowHalf + h8.highHalf
        let h2 = h4.lowHalf + h4.highHalf
        return h2[0] + h2[1]
    }

    /// Sum of squares of `n` floats (gradient global norm), chunked like a full reduction.
    public static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int, pool: ThreadPool = .shared) -> Float {
        let chunks = max(1, (n + chunk - 1) / chunk)
        var partials = [Float](repeating: 0, count: chunks)
        partials.withUnsafeMutableBufferPointer { p in
            let pp = p.baseAddress!
            let body: (Int) -> Void = { c in
                let lo = c * chunk, cnt = min(chunk, n - lo)
                var acc = F16()
                var i = 0
                while i + 16 <= cnt {
                    let v = UnsafeRawPointer(x + lo + i).loadUnaligned(as: F16.self)
                    acc.addProduct(v, v)
                    i += 16
                }
                var tail = F16()
                for q in 0..<(cnt - i) { tail[q] = x[lo + i + q] }
                acc.addProduct(tail, tail)
                pp[c] = foldLanes(acc)
            }
            pool.parallelRows(chunks, costPerRow: chunk, family: .reduction, body)
        }
        var s: Float = 0
        for v in partials { s += v }
        return s
    }
}
