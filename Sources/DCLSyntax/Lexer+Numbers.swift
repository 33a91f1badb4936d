// Numbers and size literals. Values are checked here (overflow, a bare exponent, a size that is
// not a whole number) so every later stage can trust a number token; the parser re-reads an
// integer's digits with the same routine rather than carrying 8 more bytes in every token.
//
// A size's value is computed exactly, in integers: `0.3k` must be 300 and `0.0001k` must be
// rejected, which floating-point multiplication (0.3 * 1000 = 300.00000000000006) cannot promise.

import DCLDiagnostics

extension Lexer {
    /* INT            = digits ; */
    /* digits         = digit { digit | "_" } ; */
    /* FLOAT          = digits "." digits [ exponent ] | digits exponent ; */
    /* exponent       = ( "e" | "E" ) [ "+" | "-" ] digits ; */
    mutating func lexNumber() {
        let start = pos
        scanDigits()
        var isFloat = false
        if pos + 1 < n, buf[pos] == UInt8(ascii: "."), Lexer.isDigit(buf[pos + 1]) {
            pos += 1
            scanDigits()
            isFloat = true
        }
        if pos < n, buf[pos] == UInt8(ascii: "e") || buf[pos] == UInt8(ascii: "E") {
            var p = pos + 1
            if p < n, buf[p] == UInt8(ascii: "+") || buf[p] == UInt8(ascii: "-") { p += 1 }
            if p < n, Lexer.isDigit(buf[p]) {
                pos = p
                scanDigits()
                isFloat = true
            } else {
                pos = p
                while pos < n, Lexer.isWordByte(buf[pos]) { pos += 1 }
                report(.malformedNumber, "malformed number `\(excerpt(start, pos))`: expected digits after the exponent", start, pos,
                       hint: "write the exponent's digits, as in `1e-3`")
                emit(.float, start: start, end: pos, malformed: true)
                return
            }
        }
        let numberEnd = pos
        if pos < n, Lexer.isWordByte(buf[pos]) {
            lexSuffix(numberStart: start, numberEnd: numberEnd, isFloat: isFloat)
            return
        }
        var malformed = false
        if isFloat {
            if let v = Lexer.floatValue(buf, start, pos), !v.isFinite {
                report(.numberTooLarge, "number `\(excerpt(start, pos))` is too large", start, pos)
                malformed = true
            }
        } else if Lexer.intValue(buf, start, pos) == nil {
            report(.numberTooLarge, "integer `\(excerpt(start, pos))` is too large", start, pos,
                   hint: "the largest integer is \(Int64.max)")
            malformed = true
        }
        emit(isFloat ? .float : .int, start: start, end: pos, malformed: malformed)
    }

    mutating func scanDigits() {
        while pos < n, Lexer.isDigit(buf[pos]) || buf[pos] == UInt8(ascii: "_") { pos += 1 }
    }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /* SIZE           = ( INT | FLOAT ) size_suffix ; */
    /* size_suffix    = count_suffix | byte_suffix | time_suffix ; */
    /* count_suffix   = "k" | "K" | "M" | "G" | "T" ; */
    /* byte_suffix    = "B" | "KB" | "MB" | "GB" | "KiB" | "MiB" | "GiB" ; */
    /* time_suffix    = "ms" | "s" | "min" | "h" ; */
    mutating func lexSuffix(numberStart: Int, numberEnd: Int, isFloat: Bool) {
        while pos < n, Lexer.isWordByte(buf[pos]) { pos += 1 }
        let suffixText = String(decoding: UnsafeBufferPointer(rebasing: buf[numberEnd..<pos]), as: UTF8.self)
        guard let entry = Lexicon.sizeSuffixes.first(where: { $0.text == suffixText }) else {
            report(.invalidNumberSuffix, "invalid suffix `\(excerpt(numberEnd, pos))` on number `\(excerpt(numberStart, numberEnd))`",
                   numberEnd, pos, hint: "size suffixes are k, K, M, G, T (counts), B, KB, MB, GB, KiB, MiB, GiB (bytes) and ms, s, min, h (durations); put a space before a name")
            emit(isFloat ? .float : .int, start: numberStart, end: pos, malformed: true)
            return
        }
        let mantissa = String(decoding: UnsafeBufferPointer(rebasing: buf[numberStart..<numberEnd]), as: UTF8.self)
        var literal = SizeLiteral(value: 0, kind: entry.kind, suffix: suffixText, mantissa: mantissa)
        var malformed = false
        if case .seconds(let unit) = entry.scale {
            // A duration is seconds as a float: `250ms` is 0.25.
            let number = Double(String(mantissa.filter { $0 != "_" })) ?? .infinity
            literal.value = number * unit
            if !literal.value.isFinite {
                report(.invalidSize, "duration `\(excerpt(numberStart, pos))` is too large", numberStart, pos, hint: nil)
                malformed = true
            }
            sizes.append(literal)
            emit(.size, start: numberStart, end: pos, payload: Int32(sizes.count - 1), malformed: malformed)
            return
        }
        switch Lexer.scaledValue(buf, numberStart, numberEnd, entry.scale) {
        case .whole(let v):
            literal.value = Double(v)
        case .fraction:
            report(.invalidSize, "size `\(excerpt(numberStart, pos))` is not a whole number", numberStart, pos,
                   hint: entry.kind == .bytes ? "a number of bytes must be whole" : "a count must be whole, as in `1.5k` (1500)")
            malformed = true
        case .tooLarge:
            report(.invalidSize, "size `\(excerpt(numberStart, pos))` is too large", numberStart, pos,
                   hint: "sizes are at most \(Int64.max)")
            malformed = true
        }
        sizes.append(literal)
        emit(.size, start: numberStart, end: pos, payload: Int32(sizes.count - 1), malformed: malformed)
    }

    // MARK: Values (shared with the parser)

    /// The value of an integer literal's digits, or nil on overflow.
    static func intValue(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var v: Int64 = 0
        for i in start..<end {
            let c = buf[i]
            if c == UInt8(ascii: "_") { continue }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c &- UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            v = a
        }
        return v
    }

    /// The value of a float literal (separators removed), or nil if the text is not a number.
    static func floatValue(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let text = UnsafeBufferPointer(rebasing: buf[start..<end])
        // Most literals have no separators: their bytes are the text (a scalar at a time was
        // a sixth of the lexer's time on a float-heavy file).
        if !text.contains(UInt8(ascii: "_")) { return Double(String(decoding: text, as: UTF8.self)) }
        return Double(String(decoding: text.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self))
    }

    enum ScaledValue: Equatable { case whole(Int64), fraction, tooLarge }

    /// `digits [. digits] [e±digits]` times a suffix's scale, computed exactly.
    static func scaledValue(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ scale: Lexicon.SizeScale) -> ScaledValue {
        // Significant digits as text, with the decimal exponent they are scaled by.
        var digits: [UInt8] = []
        var exponent = 0
        var i = start
        var inFraction = false
        while i < end {
            let c = buf[i]
            if c == UInt8(ascii: "_") { i += 1; continue }
            if c == UInt8(ascii: ".") { inFraction = true; i += 1; continue }
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { break }
            if !(digits.isEmpty && c == UInt8(ascii: "0")) { digits.append(c &- UInt8(ascii: "0")) }
            if inFraction { exponent -= 1 }
            i += 1
        }
        if i < end {  // exponent part
            i += 1
            var negative = false
            if buf[i] == UInt8(ascii: "+") || buf[i] == UInt8(ascii: "-") { negative = buf[i] == UInt8(ascii: "-"); i += 1 }
            var e = 0
            while i < end {
                if buf[i] != UInt8(ascii: "_") { e = min(e * 10 + Int(buf[i] &- UInt8(ascii: "0")), 100_000) }
                i += 1
            }
            exponent += negative ? -e : e
        }
        while let last = digits.last, last == 0 { digits.removeLast(); exponent += 1 }
        if digits.isEmpty { return .whole(0) }
        if digits.count > 19 { return exponent >= 0 ? .tooLarge : .fraction }
        var d: UInt64 = 0
        for x in digits { d = d * 10 + UInt64(x) }

        // d has no trailing zeros, so d * 10^e is whole only for e >= 0 (decimal scales);
        // for binary scales, d * 2^b * 10^e with e < 0 needs 5^-e | d and enough factors of two.
        switch scale {
        case .decimal(let a):
            let e = exponent + a
            if e < 0 { return .fraction }
            return checkedScale(d, pow10: e, pow2: 0)
        case .binary(let b):
            if exponent >= 0 { return checkedScale(d, pow10: exponent, pow2: b) }
            let k = -exponent
            if k > 27 { return .fraction }
            var five: UInt64 = 1
            for _ in 0..<k { five *= 5 }
            guard d % five == 0 else { return .fraction }
            let q = d / five
            let shift = b - k
            if shift >= 0 { return checkedScale(q, pow10: 0, pow2: shift) }
            guard q.trailingZeroBitCount >= -shift else { return .fraction }
            return .whole(Int64(q >> UInt64(-shift)))
        case .seconds:
            // Durations are read as floats (lexSuffix); never scaled here.
            return .fraction
        }
    }

    static func checkedScale(_ d: UInt64, pow10: Int, pow2: Int) -> ScaledValue {
        let limit = UInt64(Int64.max)
        var v = d
        for _ in 0..<pow10 {
            let (m, o) = v.multipliedReportingOverflow(by: 10)
            if o || m > limit { return .tooLarge }
            v = m
        }
        if pow2 > 0 {
            if pow2 >= 63 || v > limit >> UInt64(pow2) { return .tooLarge }
            v <<= UInt64(pow2)
        }
        return v > limit ? .tooLarge : .whole(Int64(v))
    }
}
