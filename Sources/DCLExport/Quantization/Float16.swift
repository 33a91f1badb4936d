// IEEE 754 binary16 conversion, written out rather than taken from Swift's `Float16` so the
// rounding is explicit and identical on every platform (Swift's `Float16` is unavailable on
// macOS x86_64).
//
// Float32 → half rounds to nearest, ties to even, including into the subnormal range; values
// whose rounded magnitude exceeds 65504 become ±infinity (the IEEE overflow result); NaN stays
// NaN with its sign and top payload bits, forced quiet so it never turns into infinity.
// Half → Float32 is exact.

/// Half-precision bit pattern nearest to `value` (round to nearest even; overflow to ±inf).
public func float16Bits(_ value: Float) -> UInt16 {
    let x = value.bitPattern
    let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
    let exponent = Int((x >> 23) & 0xFF)
    let mantissa = x & 0x7F_FFFF

    if exponent == 0xFF {
        if mantissa == 0 { return sign | 0x7C00 }
        // NaN: keep the top 9 payload bits and set the quiet bit (never a zero mantissa).
        return sign | 0x7C00 | 0x0200 | UInt16(truncatingIfNeeded: mantissa >> 13)
    }

    let halfExponent = exponent - 127 + 15
    if halfExponent >= 31 { return sign | 0x7C00 }

    if halfExponent <= 0 {
        // Subnormal (or zero) in half precision: value = m_h × 2⁻²⁴ with m_h = m >> (14 − e).
        // Below 2⁻²⁵ every value rounds to zero; float32 zeros and subnormals land here too.
        guard halfExponent >= -10 else { return sign }
        let m = mantissa | 0x80_0000
        let shift = UInt32(14 - halfExponent)
        return sign | UInt16(truncatingIfNeeded: roundShiftRightEven(m, by: shift))
    }

    // Normal: a carry out of the mantissa bumps the exponent, up to infinity — both correct.
    let h = UInt32(halfExponent) << 10 | (mantissa >> 13)
    let rest = mantissa & 0x1FFF
    let rounded = (rest > 0x1000 || (rest == 0x1000 && h & 1 == 1)) ? h + 1 : h
    return sign | UInt16(truncatingIfNeeded: rounded)
}

/// `value >> shift` rounded to nearest, ties to even (shift in 1...31).
@inline(__always)
private func roundShiftRightEven(_ value: UInt32, by shift: UInt32) -> UInt32 {
    let q = value >> shift
    let rest = value & ((1 << shift) - 1)
    let half: UInt32 = 1 << (shift - 1)
    return (rest > half || (rest == half && q & 1 == 1)) ? q + 1 : q
}

/// The Float32 value of a half-precision bit pattern (exact).
public func float32(fromFloat16Bits h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32((h >> 10) & 0x1F)
    let mantissa = UInt32(h & 0x3FF)
    switch exponent {
    case 0:
        // Zero or subnormal: mantissa × 2⁻²⁴, exact in float32.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign != 0 ? -magnitude : magnitude
    case 31:
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    default:
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}

/// The largest finite half-precision value.
public let float16Max: Float = 65504
