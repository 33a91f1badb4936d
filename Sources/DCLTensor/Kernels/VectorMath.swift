// 16-lane transcendental functions for the kernels (exp, log, tanh, sigmoid).
//
// Why our own: libm's scalar expf/tanhf cost 5-20 ns per element and do not vectorise, which
// would make softmax, GELU and sigmoid slower than the GEMMs around them. These are Cephes-style
// range reduction + minimax polynomials, accurate to ~2 ulp over the float range.
//
// Determinism: every element — including the tail of an array whose length is not a multiple
// of 16 — goes through the same 16-lane code (tails are padded), so a value's result never
// depends on its position or on how the array was split between threads.

@inline(__always) func splat(_ x: Float) -> F16 { F16(repeating: x) }

/// Reinterprets lanes (the SIMD types have no `bitPattern`; both are 64 bytes).
@inline(__always) func bits(_ x: F16) -> SIMD16<Int32> { unsafeBitCast(x, to: SIMD16<Int32>.self) }
@inline(__always) func floats(_ x: SIMD16<Int32>) -> F16 { unsafeBitCast(x, to: F16.self) }

/// Round-to-nearest-even via the 1.5·2^23 trick: valid for |x| < 2^22, and stays in vector
/// registers (the generic `rounded` and Int↔Float conversions lower to scalar libm calls).
@usableFromInline let roundMagic: Float = 12_582_912

/// e^x per lane; 0 below -87.34, +inf above 88.72, NaN for NaN.
@inline(__always)
func vexp(_ x: F16) -> F16 {
    let hi = splat(88.72283), lo = splat(-87.33654)
    // Clamp with selects: `clamped` becomes out-of-line generic pointwiseMin/Max calls.
    let xc = x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
    // n = round(x / ln2); r = x - n·ln2 in two parts for precision.
    let t = xc * splat(1.442695040888963) + splat(roundMagic)
    let n = t - splat(roundMagic)
    let ni = bits(t) &- bits(splat(roundMagic))
    var r = xc - n * splat(0.693359375)
    r = r - n * splat(-2.12194440e-4)
    // e^r on [-ln2/2, ln2/2] (Cephes expf coefficients).
    var p = splat(1.9875691500e-4)
    p = p * r + splat(1.3981999507e-3)
    p = p * r + splat(8.3334519073e-3)
    p = p * r + splat(4.1665795894e-2)
    p = p * r + splat(1.6666665459e-1)
    p = p * r + splat(5.0000001201e-1)
    p = p * (r * r) + r + splat(1)
    // Scale by 2^n through the exponent bits; n is in [-126, 128] after clamping. For n = 128
    // (x near the top), scale by 2^127 and then by 2, since 2^128 has no exponent encoding.
    // `top` is all ones in lanes where n > 127, made from the sign of 127 - n (n ≥ -127 here,
    // no overflow) and applied with bit operations: the integer `.>` and `replacing` lowered to
    // a per-lane loop of single-lane stack stores and 64-byte reloads — a store-forwarding stall
    // per lane that `perf annotate` showed taking 60–85 % of cross-entropy and softmax time.
    let top = (SIMD16<Int32>(repeating: 127) &- ni) &>> 31
    let nClamped = (SIMD16<Int32>(repeating: 127) & top) | (ni & ~top)
    var result = p * floats((nClamped &+ 127) &<< 23)
    result = floats((bits(result * splat(2)) & top) | (bits(result) & ~top))
    result.replace(with: F16(repeating: 0), where: x .< lo)
    result.replace(with: F16(repeating: .infinity), where: x .> hi)
    result.replace(with: x, where: x .!= x)
    return result
}

/// Natural log per lane; -inf at 0, NaN below 0, NaN/+inf passed through.
@inline(__always)
func vlog(_ x: F16) -> F16 {
    // x = m · 2^e with m in [sqrt(1/2), sqrt(2)); log x = log m + e·ln2.
    // Denormals are pre-scaled by 2^23 so the exponent field is meaningful.
    let isDenormal = x .< splat(Float.leastNormalMagnitude)
    let xs = x.replacing(with: x * splat(8388608), where: isDenormal)
    let sb = bits(xs)
    var e = ((sb &>> 23) & 0xFF) &- 127
    e.replace(with: e &- 23, where: isDenormal)
    var m = floats((sb & 0x007F_FFFF) | 0x3F80_0000)
    let big = m .> splat(1.41421356)
    m.replace(with: m * splat(0.5), where: big)
    e.replace(with: e &+ 1, where: big)
    let f = m - splat(1)
    // Cephes logf polynomial for log(1+f), f in [sqrt(.5)-1, sqrt(2)-1].
    var p = splat(7.0376836292e-2)
    p = p * f + splat(-1.1514610310e-1)
    p = p * f + splat(1.1676998740e-1)
    p = p * f + splat(-1.2420140846e-1)
    p = p * f + splat(1.4249322787e-1)
    p = p * f + splat(-1.6668057665e-1)
    p = p * f + splat(2.0000714765e-1)
    p = p * f + splat(-2.4999993993e-1)
    p = p * f + splat(3.3333331174e-1)
    let f2 = f * f
    // Int32 → Float through the magic constant (exact for |e| < 2^22).
    let ef = floats(e &+ bits(splat(roundMagic))) - splat(roundMagic)
    var y = p * f2 * f
    y = y + ef * splat(-2.12194440e-4)
    y = y - splat(0.5) * f2
    var result = f + y + ef * splat(0.693359375)
    result.replace(with: F16(repeating: -.infinity), where: x .== splat(0))
    result.replace(with: F16(repeating: .nan), where: x .< splat(0))
    result.replace(with: x, where: (x .!= x) .| (x .== splat(.infinity)))
    return result
}

/// tanh per lane: a polynomial near 0 (where 1 - 2/(e^2x + 1) would cancel), the exp form outside.
@inline(__always)
func vtanh(_ x: F16) -> F16 {
    let ax = floats(bits(x) & 0x7FFF_FFFF)
    // Cephes tanhf polynomial for |x| < 0.625.
    let z = x * x
    var p = splat(-5.70498872745e-3)
    p = p * z + splat(2.06390887954e-2)
    p = p * z + splat(-5.37397155531e-2)
    p = p * z + splat(1.33314422036e-1)
    p = p * z + splat(-3.33332819422e-1)
    let small = p * z * x + x
    let e = vexp(splat(2) * ax.replacing(with: splat(44), where: ax .> splat(44)))
    var large = splat(1) - splat(2) / (e + splat(1))
    large.replace(with: -large, where: x .< splat(0))
    var result = large.replacing(with: small, where: ax .< splat(0.625))
    result.replace(with: x, where: x .!= x)
    return result
}

/// √x per lane. Swift's `Float.squareRoot()` keeps glibc's errno fallback (a `sqrtf` call for
/// negative inputs), which blocks vectorisation: SIMD16's `squareRoot()` becomes sixteen scalar
/// square roots with branches. Here: a bit-trick estimate of 1/√x, three Newton steps (error
/// ≈ 1e-7 relative), s = x·r, and one Newton correction of s — within 1 ulp of the correctly
/// rounded √x. 0 → 0, +inf → +inf, negative or NaN → NaN.
@inline(__always)
func vsqrt(_ x: F16) -> F16 {
    let half = splat(0.5) * x
    var r = floats(SIMD16<Int32>(repeating: 0x5F37_5A86) &- (bits(x) &>> 1))
    r = r * (splat(1.5) - half * r * r)
    r = r * (splat(1.5) - half * r * r)
    r = r * (splat(1.5) - half * r * r)
    var s = x * r
    s = s + splat(0.5) * r * (x - s * s)
    s.replace(with: x, where: (x .== splat(0)) .| (x .== splat(.infinity)))
    s.replace(with: F16(repeating: .nan), where: (x .< splat(0)) .| (x .!= x))
    return s
}

/// 1 / (1 + e^-x) per lane.
@inline(__always)
func vsigmoid(_ x: F16) -> F16 {
    splat(1) / (splat(1) + vexp(-x))
}

/// Applies a 16-lane function to `count` floats from `src` into `dst` (which may alias `src`),
/// padding the tail so the last partial vector goes through the same code.
@inline(__always)
func mapVectors(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ count: Int,
                _ f: (F16) -> F16) {
    var i = 0
    while i + 16 <= count {
        let v = UnsafeRawPointer(src + i).loadUnaligned(as: F16.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: f(v), as: F16.self)
        i += 16
    }
    if i < count {
        // Tail through a zero-padded stack vector (two small memcpys beat 2×n lane inserts).
        let bytes = (count - i) * 4
        var v = F16()
        withUnsafeMutableBytes(of: &v) { $0.baseAddress!.copyMemory(from: src + i, byteCount: bytes) }
        var r = f(v)
        withUnsafeBytes(of: &r) { UnsafeMutableRawPointer(dst + i).copyMemory(from: $0.baseAddress!, byteCount: bytes) }
    }
}

/// Two-input variant of `mapVectors` (e.g. gradient = f(dy, x)).
@inline(__always)
func mapVectors2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                 _ count: Int, _ f: (F16, F16) -> F16) {
    var i = 0
    while i + 16 <= count {
        let va = UnsafeRawPointer(a + i).loadUnaligned(as: F16.self)
        let vb = UnsafeRawPointer(b + i).loadUnaligned(as: F16.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: f(va, vb), as: F16.self)
        i += 16
    }
    if i < count {
        let bytes = (count - i) * 4
        var va = F16(), vb = F16()
        withUnsafeMutableBytes(of: &va) { $0.baseAddress!.copyMemory(from: a + i, byteCount: bytes) }
        withUnsafeMutableBytes(of: &vb) { $0.baseAddress!.copyMemory(from: b + i, byteCount: bytes) }
        var r = f(va, vb)
        withUnsafeBytes(of: &r) { UnsafeMutableRawPointer(dst + i).copyMemory(from: $0.baseAddress!, byteCount: bytes) }
    }
}

/// Scalar entry points that share the vector code, for per-row values (softmax denominators).
@inline(__always) func sexp(_ x: Float) -> Float { vexp(splat(x))[0] }
@inline(__always) func slog(_ x: Float) -> Float { vlog(splat(x))[0] }
