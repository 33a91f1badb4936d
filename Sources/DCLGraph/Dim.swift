// Symbolic dimensions: integer polynomials over named symbols, e.g. `N`, `4*N`, `N+16`, `N*T`.
//
// A model is compiled once with its batch size symbolic. Most shapes only carry a bare symbol
// (`N`), but attention over a client's images concatenates memory and current images (`N+16`)
// and reshapes fold heads into batch (`4*N`), so sums and products must stay exact. A dimension
// is kept in a normal form — a map from monomials (sorted symbol lists) to non-zero integer
// coefficients — so equal expressions compare equal. Symbols are assumed ≥ 1 and never to
// broadcast like a literal 1.
//
// Coefficients come from user-written sizes (`pad: 4611686018427387904`), so the arithmetic is
// checked: a result that does not fit in 64 bits becomes the *overflow* dimension, which stays
// overflowed through further arithmetic (like NaN) and is never constant. Shape rules therefore
// need no overflow checks of their own: `GraphBuilder` rejects any op whose output has an
// overflowed or oversized dimension (ShapeLimits.swift) with a "too large" error.

/// A tensor dimension: a constant or a polynomial in named symbols.
public struct Dim: Hashable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// Constants and bare symbols — nearly every dimension — are stored without a dictionary;
    /// the normal form makes each value's storage unique, so the synthesised `==` and hash
    /// compare values.
    private enum Form: Hashable, Sendable {
        case constant(Int)
        /// A bare symbol with coefficient 1 (`N`).
        case symbol(String)
        /// Anything else: at least one non-constant term, never exactly `[[s]: 1]`.
        case polynomial([[String]: Int])
    }
    private var form: Form
    /// True when the arithmetic that produced this dimension overflowed (see the file comment).
    public private(set) var isOverflow = false

    /// Monomial (sorted symbol names, possibly repeated; empty = constant) → coefficient.
    public var terms: [[String]: Int] {
        switch form {
        case .constant(let c): return c == 0 ? [:] : [[]: c]
        case .symbol(let s): return [[s]: 1]
        case .polynomial(let t): return t
        }
    }

    public init(_ value: Int) { form = .constant(value) }

    /// The dimension that arithmetic overflow produces.
    public static let overflow: Dim = { var d = Dim(0); d.isOverflow = true; return d }()
    public init(integerLiteral value: Int) { self.init(value) }

    /// A bare symbol such as `N`.
    public static func symbol(_ name: String) -> Dim { Dim(form: .symbol(name)) }

    private init(form: Form) { self.form = form }

    init(terms: [[String]: Int]) {
        let t = terms.filter { $0.value != 0 }
        if t.isEmpty {
            form = .constant(0)
        } else if t.count == 1, let (m, c) = t.first, m.isEmpty || (m.count == 1 && c == 1) {
            form = m.isEmpty ? .constant(c) : .symbol(m[0])
        } else {
            form = .polynomial(t)
        }
    }

    /// The value if the dimension is a constant.
    public var constant: Int? {
        if isOverflow { return nil }
        if case .constant(let c) = form { return c }
        return nil
    }

    public var isConstant: Bool { constant != nil }

    /// The symbol's name if the dimension is a bare symbol (`N`), read without building `terms`.
    public var bareSymbol: String? {
        if case .symbol(let s) = form, !isOverflow { return s }
        return nil
    }

    /// Symbols this dimension mentions.
    public var symbols: Set<String> {
        switch form {
        case .constant: return []
        case .symbol(let s): return [s]
        case .polynomial(let t): return Set(t.keys.flatMap { $0 })
        }
    }

    public static func + (a: Dim, b: Dim) -> Dim {
        if a.isOverflow || b.isOverflow { return .overflow }
        if case .constant(let x) = a.form, case .constant(let y) = b.form {
            let (s, o) = x.addingReportingOverflow(y)
            return o ? .overflow : Dim(s)
        }
        var t = a.terms
        for (m, c) in b.terms {
            let (s, o) = t[m, default: 0].addingReportingOverflow(c)
            if o { return .overflow }
            t[m] = s
        }
        return Dim(terms: t)
    }

    public static func - (a: Dim, b: Dim) -> Dim { a + b * Dim(-1) }

    public static func * (a: Dim, b: Dim) -> Dim {
        if a.isOverflow || b.isOverflow { return .overflow }
        if case .constant(let x) = a.form, case .constant(let y) = b.form {
            let (p, o) = x.multipliedReportingOverflow(by: y)
            return o ? .overflow : Dim(p)
        }
        var t: [[String]: Int] = [:]
        for (ma, ca) in a.terms {
            for (mb, cb) in b.terms {
                let (p, o1) = ca.multipliedReportingOverflow(by: cb)
                let (s, o2) = t[(ma + mb).sorted(), default: 0].addingReportingOverflow(p)
                if o1 || o2 { return .overflow }
                t[(ma + mb).sorted()] = s
            }
        }
        return Dim(terms: t)
    }

    /// Exact division by a single-term divisor (a constant, a symbol, or c·symbols); nil if
    /// some term is not divisible.
    public func divided(by d: Dim) -> Dim? {
        if isOverflow || d.isOverflow { return .overflow }
        if case .constant(let c) = form, case .constant(let dc) = d.form {
            guard dc != 0 else { return nil }
            guard dc != -1 || c != .min else { return .overflow }
            return c % dc == 0 ? Dim(c / dc) : nil
        }
        let divisor = d.terms
        guard divisor.count == 1, let (dm, dc) = divisor.first, dc != 0 else { return nil }
        var t: [[String]: Int] = [:]
        for (m, c) in terms {
            // Int.min / -1 is the one quotient that does not fit.
            guard dc != -1 || c != .min else { return .overflow }
            guard c % dc == 0 else { return nil }
            var rest = m
            for s in dm {
                guard let i = rest.firstIndex(of: s) else { return nil }
                rest.remove(at: i)
            }
            t[rest, default: 0] += c / dc
        }
        return Dim(terms: t)
    }

    /// The value with every symbol at 1 (a per-sample size), or nil if that overflows: the
    /// sum of the coefficients, with no bindings to build.
    public var valueWithSymbolsAtOne: Int? {
        if isOverflow { return nil }
        switch form {
        case .constant(let c): return c
        case .symbol: return 1
        case .polynomial: break
        }
        var total = 0
        for c in terms.values {
            let (t, o) = total.addingReportingOverflow(c)
            if o { return nil }
            total = t
        }
        return total
    }

    /// The value under `bindings`, or a thrown error naming a missing symbol or saying the
    /// value does not fit in 64 bits.
    public func evaluate(_ bindings: [String: Int]) throws -> Int {
        // Built only when thrown: formatting it on every call made it the checker's hot spot.
        func tooLarge() -> GraphError {
            GraphError(op: "bind", "dimension \(self) is too large under \(bindings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))")
        }
        if isOverflow { throw tooLarge() }
        switch form {
        case .constant(let c): return c
        case .symbol(let s):
            guard let b = bindings[s] else { throw GraphError(op: "bind", "symbol '\(s)' has no value") }
            return b
        case .polynomial: break
        }
        var total = 0
        for (m, c) in terms {
            var v = c
            for s in m {
                guard let b = bindings[s] else { throw GraphError(op: "bind", "symbol '\(s)' has no value") }
                let (p, o) = v.multipliedReportingOverflow(by: b)
                if o { throw tooLarge() }
                v = p
            }
            let (t, o) = total.addingReportingOverflow(v)
            if o { throw tooLarge() }
            total = t
        }
        return total
    }

    /// Canonical text: terms by descending degree then name, constant last; `c*` omitted for 1.
    public var description: String {
        if isOverflow { return "<too large>" }
        if terms.isEmpty { return "0" }
        let ordered = terms.sorted { a, b in
            if a.key.count != b.key.count { return a.key.count > b.key.count }
            return a.key.lexicographicallyPrecedes(b.key)
        }
        var out = ""
        for (i, (m, c)) in ordered.enumerated() {
            // The magnitude as text: `abs(Int.min)` would trap.
            var coef = String(c)
            if i > 0 { out += c < 0 ? "-" : "+"; coef = String(c.magnitude) } else if c == -1 && !m.isEmpty { out += "-"; coef = "1" }
            if m.isEmpty { out += coef } else {
                let prod = m.joined(separator: "*")
                out += coef == "1" ? prod : "\(coef)*\(prod)"
            }
        }
        return out
    }

    /// Parses the text form (`N`, `4*N+16`, `N*T-1`, `784`).
    public init?(parsing text: String) {
        var result = Dim(0)
        var sign = 1
        var term = Dim(1)
        var expectOperand = true
        var i = text.startIndex
        func flush() { result = result + term * Dim(sign) }
        while i < text.endIndex {
            let ch = text[i]
            if ch == " " { i = text.index(after: i); continue }
            if expectOperand {
                if ch == "-" && term == Dim(1) { sign = -sign; i = text.index(after: i); continue }
                if ch.isNumber {
                    var j = i
                    while j < text.endIndex && text[j].isNumber { j = text.index(after: j) }
                    guard let v = Int(text[i..<j]) else { return nil }
                    term = term * Dim(v)
                    i = j
                } else if ch.isLetter || ch == "_" {
                    var j = i
                    while j < text.endIndex && (text[j].isLetter || text[j].isNumber || text[j] == "_") { j = text.index(after: j) }
                    term = term * .symbol(String(text[i..<j]))
                    i = j
                } else { return nil }
                expectOperand = false
            } else {
                switch ch {
                case "*": expectOperand = true
                case "+", "-":
                    flush()
                    sign = ch == "-" ? -1 : 1
                    term = Dim(1)
                    expectOperand = true
                default: return nil
                }
                i = text.index(after: i)
            }
        }
        if expectOperand { return nil }
        flush()
        self = result
    }
}

/// The dimensions of one tensor, printed `[N, 784]`.
public func formatDims(_ dims: [Dim]) -> String {
    "[" + dims.map(\.description).joined(separator: ",") + "]"
}
