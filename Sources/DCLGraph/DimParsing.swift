// Dimensions read from untrusted text (a bundle's graph), and evaluated for a batch.
//
// `Dim.parseBounded` computes every coefficient with overflow-reporting arithmetic, bounds it
// (`GraphTextLimits.maxDimension`) and builds the normal form directly, so a hostile dimension
// such as `4611686018427387904*4` is a message naming the line, never a trap or a sticky
// overflow discovered later. At run time `Dim.evaluate` (checked) gives a symbolic dimension's
// value under a file-given batch size or says it overflows.

extension Dim {
    /// Parses `N`, `4*N+16`, `N*T-1`, `784`; returns the dimension or why the text is refused.
    static func parseBounded(_ text: String) -> Result<Dim, DimParseError> {
        let limit = GraphTextLimits.maxDimension
        var terms: [[String]: Int] = [:]
        var sign = 1
        var coefficient = 1
        var symbols: [String] = []
        var sawFactor = false
        var expectOperand = true
        let chars = Array(text)
        var i = 0
        func flush() -> DimParseError? {
            let key = symbols.sorted()
            let (c, o1) = coefficient.multipliedReportingOverflow(by: sign)
            let (sum, o2) = terms[key, default: 0].addingReportingOverflow(c)
            guard !o1, !o2, sum.magnitude <= limit else { return .outOfRange(text) }
            terms[key] = sum
            guard terms.count <= GraphTextLimits.maxDimensionTerms else { return .tooComplex(text) }
            return nil
        }
        while i < chars.count {
            let ch = chars[i]
            if ch == " " { i += 1; continue }
            if expectOperand {
                if ch == "-" && !sawFactor { sign = -sign; i += 1; continue }
                if ch.isASCII && ch.isNumber {
                    var j = i
                    while j < chars.count && chars[j].isASCII && chars[j].isNumber { j += 1 }
                    // More digits than 2^40 has cannot be in range (and may not fit an Int).
                    guard j - i <= 15, let v = Int(String(chars[i..<j])) else { return .failure(.outOfRange(text)) }
                    let (p, overflow) = coefficient.multipliedReportingOverflow(by: v)
                    guard !overflow, p.magnitude <= limit else { return .failure(.outOfRange(text)) }
                    coefficient = p
                    i = j
                } else if ch.isASCII && (ch.isLetter || ch == "_") {
                    var j = i
                    while j < chars.count && chars[j].isASCII && (chars[j].isLetter || chars[j].isNumber || chars[j] == "_") { j += 1 }
                    guard j - i <= GraphTextLimits.maxSymbolLength, symbols.count < GraphTextLimits.maxTermDegree else {
                        return .failure(.tooComplex(text))
                    }
                    symbols.append(String(chars[i..<j]))
                    i = j
                } else {
                    return .failure(.malformed(text))
                }
                sawFactor = true
                expectOperand = false
            } else {
                switch ch {
                case "*": expectOperand = true
                case "+", "-":
                    if let e = flush() { return .failure(e) }
                    sign = ch == "-" ? -1 : 1
                    coefficient = 1
                    symbols = []
                    sawFactor = false
                    expectOperand = true
                default: return .failure(.malformed(text))
                }
                i += 1
            }
        }
        if expectOperand { return .failure(.malformed(text)) }
        if let e = flush() { return .failure(e) }
        return .success(Dim(terms: terms))
    }
}

/// Why a dimension's text was refused.
enum DimParseError: Error, CustomStringConvertible {
    case malformed(String)
    case outOfRange(String)
    case tooComplex(String)

    var description: String {
        switch self {
        case .malformed(let t): return "bad dimension '\(t)'"
        case .outOfRange(let t): return "dimension '\(t)' is out of range (each coefficient at most \(GraphTextLimits.maxDimension))"
        case .tooComplex(let t):
            return "dimension '\(t)' is too complex (at most \(GraphTextLimits.maxDimensionTerms) terms of \(GraphTextLimits.maxTermDegree) symbols of \(GraphTextLimits.maxSymbolLength) characters)"
        }
    }
}
