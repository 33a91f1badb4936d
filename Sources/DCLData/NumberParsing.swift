// Parsing numbers straight from CSV bytes, without making a String per field.
//
// Floats: the common short decimals ("16", "4.0", "0.125") take an exact fast path — a mantissa
// below 2^24 and a power of ten up to 10^10 are both exactly representable as Float, and one IEEE
// multiplication or division of exact operands is correctly rounded, so the result equals what
// strtof gives. Anything else (long mantissas, big exponents) falls back to the standard
// library's correctly rounded `Float(_: String)`. Non-finite results (nan, inf, overflow) are
// rejected: a data file with them is almost surely broken, and they poison training silently.

enum NumberParsing {
    private static let powersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

    /// Trims ASCII spaces and tabs from both ends.
    static func trimmed(_ b: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lo = 0, hi = b.count
        while lo < hi && (b[lo] == 0x20 || b[lo] == 0x09) { lo += 1 }
        while hi > lo && (b[hi - 1] == 0x20 || b[hi - 1] == 0x09) { hi -= 1 }
        return UnsafeBufferPointer(rebasing: b[lo..<hi])
    }

    /// A finite Float, or nil when the bytes are not a finite decimal number.
    static func float(_ raw: UnsafeBufferPointer<UInt8>) -> Float? {
        let b = trimmed(raw)
        let n = b.count
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        if b[0] == 0x2D || b[0] == 0x2B { negative = b[0] == 0x2D; i = 1 }
        var mantissa: UInt32 = 0
        var digits = 0, fractionDigits = 0
        var inFraction = false
        var fast = true
        while i < n {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                if mantissa > 1_677_720 { fast = false; break }  // mantissa * 10 + 9 must stay below 2^24
                mantissa = mantissa * 10 + UInt32(c - 0x30)
                digits += 1
                if inFraction { fractionDigits += 1 }
            } else if c == 0x2E && !inFraction {
                inFraction = true
            } else {
                fast = false  // exponent, letters, junk: let the slow path decide
                break
            }
            i += 1
        }
        if fast && digits > 0 && fractionDigits <= 10 {
            let v = Float(mantissa) / powersOfTen[fractionDigits]
            return negative ? -v : v
        }
        return slowFloat(b)
    }

    private static func slowFloat(_ b: UnsafeBufferPointer<UInt8>) -> Float? {
        // Only plain decimal syntax: no hex floats, "nan", "inf" or embedded junk.
        var sawDigit = false
        for (k, c) in b.enumerated() {
            switch c {
            case 0x30...0x39: sawDigit = true
            case 0x2E: continue
            case 0x2B, 0x2D: if k != 0, b[k - 1] | 0x20 != 0x65 { return nil }
            case 0x65, 0x45: if !sawDigit { return nil }
            default: return nil
            }
        }
        guard sawDigit, let v = Float(String(decoding: b, as: UTF8.self)), v.isFinite else { return nil }
        return v
    }

    /// An integer in Int64 range written as decimal digits with an optional sign, or nil.
    static func int(_ raw: UnsafeBufferPointer<UInt8>) -> Int64? {
        let b = trimmed(raw)
        guard b.count > 0 else { return nil }
        var i = 0
        var negative = false
        if b[0] == 0x2D || b[0] == 0x2B { negative = b[0] == 0x2D; i = 1 }
        guard i < b.count else { return nil }
        var v: Int64 = 0
        while i < b.count {
            let c = b[i]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(c - 0x30)) : m.addingReportingOverflow(Int64(c - 0x30))
            guard !o1, !o2 else { return nil }
            v = s
            i += 1
        }
        return v
    }

    /// An integer label: decimal digits, or a float with no fractional part ("3.0"), in Int32
    /// range. Returns nil otherwise.
    static func label(_ raw: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let v = int(raw) { return v }
        guard let f = float(raw), f == f.rounded(), abs(f) < 2_147_483_648 else { return nil }
        return Int64(f)
    }
}
