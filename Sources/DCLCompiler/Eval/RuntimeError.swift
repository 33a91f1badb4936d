// Errors raised while a script runs (or while models are elaborated). Each carries the span of
// the expression or statement that failed, so it renders like any diagnostic:
// `path:line:col: error[E0501]: …` with the caret under the failing code.

import DCLDiagnostics

public struct RuntimeError: Error, CustomStringConvertible {
    public var code: String
    public var message: String
    public var span: SourceSpan
    public var hint: String?
    public var notes: [String]
    /// The calls the error unwound through, innermost first ("in `f`, called here"): an error
    /// deep in the standard library still points at the user's line (CallFrames.swift).
    public var labels: [DiagnosticLabel] = []
    /// Calls between the innermost and outermost frames that were not kept as labels.
    var framesOmitted = 0

    public init(_ code: String, _ message: String, at span: SourceSpan, hint: String? = nil, notes: [String] = []) {
        self.code = code
        self.message = message
        self.span = span
        self.hint = hint
        self.notes = notes
    }

    public var diagnostic: Diagnostic {
        let omitted = framesOmitted > 0 ? ["\(framesOmitted) more call\(framesOmitted == 1 ? "" : "s") in between not shown"] : []
        return Diagnostic(code: code, severity: .error, message: message, span: span, labels: labels, notes: notes + omitted, hint: hint)
    }

    public var description: String { "error[\(code)]: \(message)" }
}

/// Thrown when the user interrupts (Ctrl-C) a running statement; the REPL catches it.
public struct Interrupted: Error {
    public init() {}
}

/// Codes of run-time errors (docs/diagnostics.md).
public enum RuntimeCode {
    /// A value of the wrong kind reached an operation the checker could not see statically.
    public static let type = "E0501"
    /// A name without a value at run time (defined later, or not at all).
    public static let name = "E0502"
    /// Index out of range, division by zero, bad numeric argument.
    public static let value = "E0503"
    /// A tensor shape or model construction error found while elaborating a model.
    public static let shape = "E0301"
    /// Data could not be loaded or transformed.
    public static let data = "E0504"
    /// A placement rule broken at run time: a cloud-only model read or shipped on a device.
    public static let placement = "E0401"
    /// A placement rule broken at run time: device samples would become cloud data (the same
    /// code the checker reports statically).
    public static let deviceSamplesToCloud = "E0402"
    /// Reading or writing files (weights, bundles).
    public static let io = "E0505"
    /// `assert` failed.
    public static let assertion = "E0506"
    /// A limit reached (recursion depth, iterations).
    public static let limit = "E0507"
    /// A deployed run's device work did not come back: its host dropped out, or answered with
    /// something other than what was asked for.
    public static let deployment = "E0508"
}
