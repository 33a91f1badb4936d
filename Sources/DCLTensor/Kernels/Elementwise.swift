// Broadcasting binary ops and pointwise unary math.
//
// Binary driver: both inputs are viewed with the output's rank and stride 0 along broadcast
// dimensions; adjacent dimensions that are contiguous in both inputs are merged, which leaves
// an innermost run where each input has stride 1 or 0. That run is the SIMD body (four
// stride cases, specialised per op at compile time); the outer dimensions are walked with a
// counter and split over the pool by rows. Every output element is computed independently, so
// the split cannot change results.

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A broadcasting binary operation on Float32.
public enum BinaryOp: String, CaseIterable, Sendable {
    case add, sub, mul, div, maximum, minimum
    /// 1 where a == b, else 0.
    case equal
}

/// Pointwise unary math on Float32 (activations live in `Activations`).
public enum UnaryOp: Equatable, Sendable {
    case neg, exp, log, sqrt, abs
    /// x^p for a constant p.
    case pow(Float)
}

/// Numpy-style broadcast of two shapes, or a thrown error naming `op` and both shapes.
public func broadcastShapes(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
    let r = max(a.count, b.count)
    var out = [Int](repeating: 1, count: r)
    for i in 0..<r {
        let da = i < r - a.count ? 1 : a[i - (r - a.count)]
        let db = i < r - b.count ? 1 : b[i - (r - b.count)]
        if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
            throw TensorError(op, "shapes \(formatShape(a)) and \(formatShape(b)) do not broadcast")
        }
    }
    return out
}

protocol BinaryFn {
    static func v(_ a: F16, _ b: F16) -> F16
    static func s(_ a: Float, _ b: Float) -> Float
}
enum AddFn: BinaryFn {
    @inline(__always) static func v(_ a: F16, _ b: F16) -> F16 { a + b }
    @inline(__always) static func s(_ a: Float, _ b: Float) -> Float { a + b }
}
enum SubFn: BinaryFn {
    @inline(__always) static func v(_ a: F16, _ b: F16) -> F16 { a - b }
    @inline(__always) static func s(_ a: Float, _ b: Float) -> Float { a - b }
}
enum MulFn: BinaryFn {
    @inline(__always) static func v(_ a: F16, _ b: F16) -> F16 { a * b }
    @inline(__always) static func s(_ a: Float, _ b: Float) -> Float { a * b }
}
enum DivFn: BinaryFn {
    @inline(__always) static func v(_ a: F16, _ b: F16) -> F16 { a / b }
    @inline(__always) static func s(_ a: Float, _ b: Float) -> Float { a / b }
}
// max/min propagate NaN from either side, like numpy's maximum/minimum.
enum MaxFn: BinaryFn {
    @inline(__always) static func v(_ a: F16, _ b: F16) -> F16 {
        a.replacing(with: b, where: (b .> a) .| (b .!= b))
    }
    @inline(__always) static func s(_ a: Float, _ b: Float) -> Float { (b > a || b != b) ? b : a }
}
enum MinFn: BinaryFn {
    @inline(__always) static func v(_ a: F16, _ b: F16) -> F16 {
        a.replacing(with: b, where: (b .< a) .| (b .!= b))
    }
    @inline(__always) static func s(_ a: Float, _ b: Float) -> Float { (b < a || b != b) ? b : a }
}
enum EqualFn: BinaryFn {
    @inline(__always) static func v(_ a: F16, _ b: F16) -> F16 { F16(repeating: 0).replacing(with: 1, where: a .== b) }
    @inline(__always) static func s(_ a: Float, _ b: Float) -> Float { a == b ? 1 : 0 }
}

/// Elementwise kernels on raw buffers.
public enum Elementwise {
    /// `out = a ⊙ b` with broadcasting; `outShape` must be `broadcastShapes(aShape, bShape)`.
    /// `out` may alias an input of the same shape as the output.
    public static func binary(_ op: BinaryOp, _ a: UnsafePointer<Float>, _ aShape: [Int],
                              _ b: UnsafePointer<Float>, _ bShape: [Int],
                              _ out: UnsafeMutablePointer<Float>, _ outShape: [Int],
                              pool: ThreadPool = .shared) {
        switch op {
        case .add: drive(AddFn.self, a, aShape, b, bShape, out, outShape, pool)
        case .sub: drive(SubFn.self, a, aShape, b, bShape, out, outShape, pool)
        case .mul: drive(MulFn.self, a, aShape, b, bShape, out, outShape, pool)
        case .div: drive(DivFn.self, a, aShape, b, bShape, out, outShape, pool)
        case .maximum: drive(MaxFn.self, a, aShape, b, bShape, out, outShape, pool)
        case .minimum: drive(MinFn.self, a, aShape, b, bShape, out, outShape, pool)
        case .equal: drive(EqualFn.self, a, aShape, b, bShape, out, outShape, pool)
        }
    }

    /// Element strides of `shape` viewed at `outShape`'s rank, 0 along broadcast dimensions.
    public static func broadcastStrides(_ shape: [Int], _ outShape: [Int]) -> [Int] {
        let r = outShape.count, off = r - shape.count
        var strides = [Int](repeating: 0, count: r)
        var s = 1
        for i in stride(from: r - 1, through: off, by: -1) {
            let d = shape[i - off]
            strides[i] = (d == 1 && outShape[i] != 1) ? 0 : s
            s *= d
        }
        return strides
    }

    private static func drive<F: BinaryFn>(_: F.Type, _ a: UnsafePointer<Float>, _ aShape: [Int],
                                           _ b: UnsafePointer<Float>, _ bShape: [Int],
                                           _ out: UnsafeMutablePointer<Float>, _ outShape: [Int],
                                           _ pool: ThreadPool) {
        let total = outShape.reduce(1, *)
        if total == 0 { return }
        // Merge contiguous dimensions (size-1 output dims are dropped first).
        var dims: [Int] = [], sa: [Int] = [], sb: [Int] = []
        let fa = broadcastStrides(aShape, outShape), fb = broadcastStrides(bShape, outShape)
        for i in 0..<outShape.count where outShape[i] != 1 {
            if let last = dims.last, sa.last! == fa[i] * outShape[i], sb.last! == fb[i] * outShape[i] {
                dims[dims.count - 1] = last * outShape[i]
                sa[sa.count - 1] = fa[i]
                sb[sb.count - 1] = fb[i]
            } else {
                dims.append(outShape[i]); sa.append(fa[i]); sb.append(fb[i])
            }
        }
        if dims.isEmpty { dims = [1]; sa = [1]; sb = [1] }
        let inner = dims.last!, ia = sa.last!, ib = sb.last!
        let rows = total / inner
        let outerDims = Array(dims.dropLast()), outerA = Array(sa.dropLast()), outerB = Array(sb.dropLast())
        func runRows(_ r0: Int, _ r1: Int) {
            for r in r0..<r1 {
                var rem = r, oa = 0, ob = 0
                for d in stride(from: outerDims.count - 1, through: 0, by: -1) {
                    let q = rem % outerDims[d]
                    rem /= outerDims[d]
                    oa += q * outerA[d]
                    ob += q * outerB[d]
                }
                row(F.self, a + oa, ia, b + ob, ib, out + r * inner, inner)
            }
        }
        // Rows are independent; a division costs several additions.
        let perElement = F.self == DivFn.self ? 4 : 1
        pool.parallelRanges(rows, costPerItem: inner * perElement, family: .elementwise) { r in
            runRows(r.lowerBound, r.upperBound)
        }
    }

    @inline(__always)
    private static func row<F: BinaryFn>(_: F.Type, _ a: UnsafePointer<Float>, _ ia: Int,
                                         _ b: UnsafePointer<Float>, _ ib: Int,
                                         _ o: UnsafeMutablePointer<Float>, _ n: Int) {
        switch (ia, ib) {
        case (1, 1): mapVectors2(a, b, o, n) { F.v($0, $1) }
        case (1, 0): let vb = splat(b[0]); mapVectors(a, o, n) { F.v($0, vb) }
        case (0, 1): let va = splat(a[0]); mapVectors(b, o, n) { F.v(va, $0) }
        default: let r = F.s(a[0], b[0]); o.update(repeating: r, count: n)
        }
    }

    /// `y = op(x)` for `count` elements (`y` may alias `x`).
    public static func unary(_ op: UnaryOp, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                             _ count: Int, pool: ThreadPool = .shared) {
        let family: KernelFamily
        switch op {
        case .neg, .abs: family = .elementwise
        case .exp, .log, .sqrt, .pow: family = .transcendental
        }
        Activations.chunked(count, family, pool) { lo, n in
            let xs = x + lo, ys = y + lo
            switch op {
            case .neg: mapVectors(xs, ys, n) { -$0 }
            case .exp: mapVectors(xs, ys, n, vexp)
            case .log: mapVectors(xs, ys, n, vlog)
            case .sqrt: mapVectors(xs, ys, n, vsqrt)
            case .abs: mapVectors(xs, ys, n) { floats(bits($0) & 0x7FFF_FFFF) }
            case .pow(let p): powSerial(xs, ys, n, p)
            }
        }
    }

    private static func powSerial(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ p: Float) {
        switch p {
        case 1: mapVectors(x, y, n) { $0 }
        case 2: mapVectors(x, y, n) { $0 * $0 }
        case 3: mapVectors(x, y, n) { $0 * $0 * $0 }
        case 0.5: mapVectors(x, y, n, vsqrt)
        case -1: mapVectors(x, y, n) { splat(1) / $0 }
        case 0: y.update(repeating: 1, count: n)
        default: for i in 0..<n { y[i] = powf(x[i], p) }
        }
    }

    /// `dst[i] += src[i]`.
    @inline(__always)
    public static func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
        mapVectors2(UnsafePointer(dst), src, dst, n) { $0 + $1 }
    }

    /// `dst[i] += s`.
    @inline(__always)
    public static func addScalarInPlace(_ dst: UnsafeMutablePointer<Float>, _ s: Float, _ n: Int) {
        let v = splat(s)
        mapVectors(UnsafePointer(dst), dst, n) { $0 + v }
    }

    /// `dst[i] = src[i] · s` (may alias).
    @inline(__always)
    public static func scale(_ src: UnsafePointer<Float>, _ s: Float, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        let v = splat(s)
        mapVectors(src, dst, n) { $0 * v }
    }

    /// Index of the first non-finite element, or nil (the `checkFinite` primitive).
    public static func firstNonFinite(_ x: UnsafePointer<Float>, _ n: Int) -> Int? {
        var i = 0
        while i + 16 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: F16.self)
            // Exponent all ones ⇔ inf or NaN.
            if any((bits(v) & 0x7F80_0000) .== 0x7F80_0000) { break }
            i += 16
        }
        while i < n {
            if !x[i].isFinite { return i }
            i += 1
        }
        return nil
    }
}
