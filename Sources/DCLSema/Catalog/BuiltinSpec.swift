// The one table of built-ins: every layer, tensor op, loss, data source, transform, optimiser
// and pattern constructor a script can name. The checker verifies calls against it (arity,
// names, types), the interpreter binds arguments and fills defaults from it, the REPL completes
// and documents from it, and docs/builtins.md is generated from it — so they cannot drift.
// Each entry is keyed by its `Builtin` case (Builtin.swift), which is what implementations
// switch over.

/// What a built-in is, which decides how a call to it is checked and evaluated.
public enum BuiltinKind: String, Sendable, CaseIterable {
    /// A layer constructor: `conv2d(6, kernel: 5)` gives a layer; with a leading tensor it applies.
    case layer
    /// A function of tensors (`matmul`, `concat`, `stop`).
    case tensorOp
    case loss
    /// Scalars, lists, strings, records (`len`, `min`, `table` …).
    case script
    case dataSource
    /// Dataset → dataset, written after `|>` (`scale(1/255)`).
    case transform
    case partitioner
    case optimizer
    case schedule
    /// Model values (`copy`, `average`, `evaluate` …).
    case model
    /// Pattern constructors (`vertical`, `attach`, `knn`, `classifier` …).
    case pattern
    /// Results out of a run: figures, predictions (`plot`, `predict`, `confusion_matrix` …).
    case output
}

/// A default value, kept as data so checker, interpreter and docs read the same one.
public enum DefaultValue: Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case float(Double)
    case bool(Bool)
    case string(String)
    case none
    case intList([Int])
    /// Defaults to another parameter's value (`maxpool`'s stride defaults to its kernel).
    case sameAs(String)

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .float(let v): return String(v)
        case .bool(let v): return String(v)
        case .string(let s): return "\"\(s)\""
        case .none: return "none"
        case .intList(let xs): return "[" + xs.map(String.init).joined(separator: ", ") + "]"
        case .sameAs(let p): return "= \(p)"
        }
    }
}

/// A class for the reason `BuiltinSpec` is one: binding a call walks its parameters, and each
/// struct copy retained the name, the doc, the choices and the default's payload.
public final class ParamSpec: Sendable {
    public let name: String
    public let type: DCLType
    /// nil: the argument is required.
    public let defaultValue: DefaultValue?
    public let doc: String
    /// For `.option` parameters: the accepted names, written bare (`metric: cosine`) or quoted.
    public let choices: [String]

    public init(_ name: String, _ type: DCLType, _ defaultValue: DefaultValue? = nil, _ doc: String = "",
                choices: [String] = []) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
        self.choices = choices
    }

    public var isRequired: Bool { defaultValue == nil }
}

/// How a call's result type follows from its arguments.
public enum ReturnRule: Sendable {
    case fixed(DCLType)
    /// The type of the first argument (`abs`, `sqrt` on numbers or tensors).
    case sameAsFirst
    /// Layers: a layer, or a tensor when the first positional argument is a tensor.
    case layerOrApplied
    /// `sum`, `mean`, `max`, `min`: over a list → its element; on a tensor → tensor; as a layer → layer.
    case reduction
}

/// A class, not a struct: a spec travels with every built-in call (bound arguments, layer
/// values, function values), and copying one retained each of its arrays and strings where a
/// reference is one retain. Every field is a `let`, so sharing is safe.
public final class BuiltinSpec: Sendable {
    /// Which built-in this is; consumers switch over it (Builtin.swift), never over `name`.
    public let builtin: Builtin
    public let params: [ParamSpec]
    /// Accepts any number of positional arguments of the first parameter's type (`max(a, b, c)`).
    public let variadic: Bool
    public let returns: ReturnRule
    public let doc: String
    /// The parameters as the checker matches arguments to them, made once here rather than per call.
    let formals: [FormalParam]

    /// The name scripts write, for messages, completion and docs.
    public var name: String { builtin.rawValue }
    public var kind: BuiltinKind { builtin.kind }

    public init(_ builtin: Builtin, _ params: [ParamSpec] = [], returns: ReturnRule,
                variadic: Bool = false, doc: String) {
        self.builtin = builtin
        self.params = params
        self.variadic = variadic
        self.returns = returns
        self.doc = doc
        self.formals = params.map { FormalParam(name: $0.name, type: $0.type, required: $0.isRequired, choices: $0.choices) }
    }

    /// A layer usable bare (`relu`, `flatten`): every hyperparameter has a default.
    public var isBareLayer: Bool { kind == .layer && params.allSatisfy { !$0.isRequired } }

    public func param(named name: String) -> ParamSpec? { params.first { $0.name == name } }

    /// `conv2d(filters: int, kernel: int, stride: int = 1, …)` for hints and the REPL.
    public var signature: String {
        let ps = params.map { p in
            "\(p.name): \(p.type)" + (p.defaultValue.map { " = \($0)" } ?? "")
        }
        return "\(name)(" + ps.joined(separator: ", ") + (variadic ? ", …" : "") + ")"
    }
}

public enum Builtins {
    /// Every built-in, in documentation order.
    public static let all: [BuiltinSpec] =
        layers + tensorOps + losses + scriptFunctions + dataFunctions + trainingFunctions + modelFunctions
        + patternFunctions + resultFunctions

    /// The catalog keyed by built-in. Every case has exactly one entry (BuiltinEnumTests).
    public static let byBuiltin: [Builtin: BuiltinSpec] = {
        var d: [Builtin: BuiltinSpec] = [:]
        for b in all {
            precondition(d[b.builtin] == nil, "built-in `\(b.name)` defined twice")
            d[b.builtin] = b
        }
        return d
    }()

    /// The catalog keyed by script name: the interpreter asks for every name it does not find
    /// bound, and `Builtin(rawValue:)` compares the name against each case in turn.
    static let byName: [String: BuiltinSpec] = {
        var d: [String: BuiltinSpec] = [:]
        for b in all { d[b.builtin.rawValue] = b }
        return d
    }()

    /// The entry of a script name: the name becomes a `Builtin` here, once.
    public static func spec(_ name: String) -> BuiltinSpec? { byName[name] }

    /// The entry of a built-in. Total because the catalog lists every case, which
    /// BuiltinEnumTests checks; a missing entry is a defect of this module, not of a script.
    public static func spec(_ builtin: Builtin) -> BuiltinSpec {
        guard let s = byBuiltin[builtin] else { preconditionFailure("the built-in catalog has no entry for `\(builtin)`") }
        return s
    }
}
