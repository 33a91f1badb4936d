// A diagnostic is a value. Every stage appends them to a `DiagnosticEngine`; rendering (plain,
// ANSI colour, JSON) happens once, at the edge (`DiagnosticRenderer`).
//
// Message style: lowercase, no trailing period, names in backquotes, "expected X, found Y".

public enum Severity: String, Sendable, Codable, Comparable {
    case note, warning, error

    private var rank: Int { self == .note ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// A secondary location with a short label ("first defined here").
public struct DiagnosticLabel: Hashable, Sendable, Codable {
    public var span: SourceSpan
    public var message: String
    public init(_ span: SourceSpan, _ message: String) { self.span = span; self.message = message }
}

public struct Diagnostic: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A stable identifier of the kind of problem (e.g. `E0101`), documented in docs/diagnostics.md.
    public var code: String
    public var severity: Severity
    public var message: String
    /// Where the problem is; `SourceSpan.none` for problems with no place in a file.
    public var span: SourceSpan
    /// Other places that explain the problem.
    public var labels: [DiagnosticLabel]
    /// Extra sentences ("note: …").
    public var notes: [String]
    /// A suggested fix ("did you mean `conv2d`?").
    public var hint: String?

    public init(code: String, severity: Severity = .error, message: String, span: SourceSpan,
                labels: [DiagnosticLabel] = [], notes: [String] = [], hint: String? = nil) {
        self.code = code
        self.severity = severity
        self.message = message
        self.span = span
        self.labels = labels
        self.notes = notes
        self.hint = hint
    }

    public static func error(_ code: String, _ message: String, at span: SourceSpan, hint: String? = nil) -> Diagnostic {
        Diagnostic(code: code, severity: .error, message: message, span: span, hint: hint)
    }

    public static func warning(_ code: String, _ message: String, at span: SourceSpan, hint: String? = nil) -> Diagnostic {
        Diagnostic(code: code, severity: .warning, message: message, span: span, hint: hint)
    }

    public func withLabel(_ span: SourceSpan, _ message: String) -> Diagnostic {
        var d = self
        d.labels.append(DiagnosticLabel(span, message))
        return d
    }

    public func withNote(_ note: String) -> Diagnostic {
        var d = self
        d.notes.append(note)
        return d
    }

    public var description: String { "\(severity.rawValue)[\(code)]: \(message)" }
}

/// Collects diagnostics from every stage. No globals: each compilation owns one.
public final class DiagnosticEngine: @unchecked Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    /// Errors past this many are counted but not stored (a runaway file stays readable).
    public let errorLimit: Int
    public private(set) var suppressedErrors = 0

    public init(errorLimit: Int = 20) { self.errorLimit = errorLimit }

    public func emit(_ d: Diagnostic) {
        if d.severity == .error {
            if errorCount >= errorLimit {
                suppressedErrors += 1
                return
            }
            errorCount += 1
        }
        diagnostics.append(d)
    }

    public func error(_ code: String, _ message: String, at span: SourceSpan, hint: String? = nil) {
        emit(.error(code, message, at: span, hint: hint))
    }

    public func warning(_ code: String, _ message: String, at span: SourceSpan, hint: String? = nil) {
        emit(.warning(code, message, at: span, hint: hint))
    }

    /// Errors stored (kept as a count: emitters ask on every report).
    public private(set) var errorCount = 0
    public var hasErrors: Bool { errorCount > 0 || suppressedErrors > 0 }
    public var isAtLimit: Bool { errorCount >= errorLimit }

    /// Diagnostics in file and position order (stable for equal positions).
    public var sorted: [Diagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let x = a.element.span, y = b.element.span
            if x.file != y.file { return x.file < y.file }
            if x.start != y.start { return x.start < y.start }
            return a.offset < b.offset
        }.map(\.element)
    }

    public func removeAll() {
        diagnostics.removeAll()
        errorCount = 0
        suppressedErrors = 0
    }
}

/// An error thrown across a stage boundary when the diagnostics are already recorded.
public struct DiagnosticsError: Error, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Levenshtein distance, for "did you mean …?" hints.
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count), cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}

/// The closest candidate within a distance that scales with the name's length, if any.
public func closestName(to name: String, among candidates: some Sequence<String>) -> String? {
    let limit = max(1, min(3, name.count / 3 + 1))
    var best: (String, Int)?
    for c in candidates where c != name {
        let d = editDistance(name.lowercased(), c.lowercased())
        if d <= limit, best == nil || d < best!.1 || (d == best!.1 && c < best!.0) { best = (c, d) }
    }
    return best?.0
}
