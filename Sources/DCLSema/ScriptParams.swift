// Script parameters (`param devices: int = 20`): the types a command line can spell, how a
// `--set NAME=VALUE` text is read as one of them, and the list of a module's params. The checker
// (Checker+Params.swift) holds a param's declaration to these rules; the driver reads `--set`
// with them; the evaluator turns a `ScriptParamValue` into a run-time value.

import DCLDiagnostics
import DCLSyntax

/// The types a script parameter may have: those a command-line word spells unambiguously.
public enum ScriptParamType: String, CaseIterable, Sendable {
    case int, float, bool, string

    /// The type a declaration names, or nil for any other type (`model`, `list[int]`, a typo).
    public init?(_ t: TypeExpr) {
        guard t.arguments.isEmpty else { return nil }
        switch t.name.name {
        case "int", "count": self = .int
        case "float": self = .float
        case "bool": self = .bool
        case "string": self = .string
        default: return nil
        }
    }

    public var type: DCLType {
        switch self {
        case .int: return .int
        case .float: return .float
        case .bool: return .bool
        case .string: return .string
        }
    }

    /// How a value of this type is written on the command line, for messages.
    public var spelled: String {
        switch self {
        case .int: return "an integer such as `20`, `-3` or `1_000`"
        case .float: return "a number such as `0.5`, `1e-3` or `2`"
        case .bool: return "`true` or `false`"
        case .string: return "any text"
        }
    }

    /// Reads a command-line value; nil when `text` does not spell a value of this type.
    /// Numbers are read as the language writes them (underscores between digits allowed), and a
    /// float must be finite: a script cannot write `nan` either.
    public func parse(_ text: String) -> ScriptParamValue? {
        switch self {
        case .string:
            return .string(text)
        case .bool:
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case .int:
            guard let digits = Self.numberText(text) else { return nil }
            return Int(digits).map { .int($0) }
        case .float:
            guard let digits = Self.numberText(text), digits.contains(where: { $0.isNumber }),
                  digits.allSatisfy({ "0123456789.eE+-".contains($0) }),
                  let v = Double(digits), v.isFinite else { return nil }
            return .float(v)
        }
    }

    /// `text` without the underscores the language allows between digits, or nil if one stands
    /// elsewhere (`_1`, `1_`, `1__0`) or the text is empty or has spaces.
    static func numberText(_ text: String) -> String? {
        let chars = Array(text)
        guard !chars.isEmpty else { return nil }
        for (i, c) in chars.enumerated() where c == "_" {
            guard i > 0, i + 1 < chars.count, chars[i - 1].isNumber, chars[i + 1].isNumber else { return nil }
        }
        return String(chars.filter { $0 != "_" })
    }
}

/// A value given for a script parameter on the command line.
public enum ScriptParamValue: Sendable, Equatable {
    case int(Int)
    case float(Double)
    case bool(Bool)
    case string(String)
}

/// One `param` declaration of a module.
public struct ScriptParam: Sendable {
    public let name: String
    /// nil when the declared type is not a parameter type (the checker reports it).
    public let type: ScriptParamType?
    /// The type and default as written (`int = 20`), for listings.
    public let typeText: String
    public let defaultText: String
    public let span: SourceSpan

    public init(name: String, type: ScriptParamType?, typeText: String, defaultText: String, span: SourceSpan) {
        self.name = name
        self.type = type
        self.typeText = typeText
        self.defaultText = defaultText
        self.span = span
    }

    /// `devices: int = 20`
    public var signature: String { "\(name): \(typeText) = \(defaultText)" }
}

extension DCLModule {
    /// The module's `param` declarations, in source order.
    public var scriptParams: [ScriptParam] {
        program.items.compactMap { item -> ScriptParam? in
            guard case .decl(let d) = item.kind, case .param(let name, let type, let value) = d.kind else { return nil }
            return ScriptParam(name: name.name, type: ScriptParamType(type), typeText: file.text(of: type.span),
                               defaultText: file.text(of: value.span), span: name.span)
        }
    }
}
