// Reading typed arguments out of values, with errors that name the argument. Stateless, so
// the interpreter and the elaborator share them.

import DCLDiagnostics
import DCLSema

/// Reads ints, floats, options … out of values (`Evaluator` and `Elaborator` both do).
public protocol ValueReading {}

extension Evaluator: ValueReading {}
extension Elaborator: ValueReading {}

extension ValueReading {
    public func int(_ v: Value, _ what: String, span: SourceSpan) throws -> Int {
        switch v {
        case .int(let i): return i
        case .float(let f) where f.rounded() == f && abs(f) < 9e18: return Int(f)
        default: throw RuntimeError(RuntimeCode.type, "`\(what)` must be an int, found \(v.kindName) \(v.displayString)", at: span)
        }
    }

    public func positiveInt(_ v: Value, _ what: String, span: SourceSpan) throws -> Int {
        let i = try int(v, what, span: span)
        guard i > 0 else { throw RuntimeError(RuntimeCode.value, "`\(what)` must be positive, found \(i)", at: span) }
        return i
    }

    public func double(_ v: Value, _ what: String, span: SourceSpan) throws -> Double {
        guard let d = v.numeric else {
            throw RuntimeError(RuntimeCode.type, "`\(what)` must be a number, found \(v.kindName)", at: span)
        }
        guard d.isFinite else { throw RuntimeError(RuntimeCode.value, "`\(what)` must be finite", at: span) }
        return d
    }

    public func string(_ v: Value, _ what: String, span: SourceSpan) throws -> String {
        switch v {
        case .string(let s), .option(let s): return s
        default: throw RuntimeError(RuntimeCode.type, "\(what) must be a string, found \(v.kindName)", at: span)
        }
    }

    public func bool(_ v: Value, _ what: String, span: SourceSpan) throws -> Bool {
        guard case .bool(let b) = v else { throw RuntimeError(RuntimeCode.type, "`\(what)` must be a bool, found \(v.kindName)", at: span) }
        return b
    }

    public func intList(_ v: Value, _ what: String, span: SourceSpan) throws -> [Int] {
        guard case .list(let xs) = v else { throw RuntimeError(RuntimeCode.type, "`\(what)` must be a list of ints, found \(v.kindName)", at: span) }
        return try xs.map { try int($0, what, span: span) }
    }

    public func doubleList(_ v: Value, _ what: String, span: SourceSpan) throws -> [Double] {
        guard case .list(let xs) = v else { throw RuntimeError(RuntimeCode.type, "`\(what)` must be a list of numbers, found \(v.kindName)", at: span) }
        return try xs.map { try double($0, what, span: span) }
    }

    /// An optional argument: nil for `none`.
    public func optional<T>(_ v: Value, _ read: (Value) throws -> T) rethrows -> T? {
        if case .none = v { return nil }
        return try read(v)
    }

    /// An option given bare or quoted.
    public func option(_ v: Value, _ what: String, choices: [String], span: SourceSpan) throws -> String {
        let s: String
        switch v {
        case .option(let o), .string(let o): s = o
        case .none: s = "none"
        default: throw RuntimeError(RuntimeCode.type, "`\(what)` must be one of \(choices.joined(separator: ", "))", at: span)
        }
        guard choices.contains(s) else {
            throw RuntimeError(RuntimeCode.value, "`\(s)` is not a choice for `\(what)`: expected \(choices.map { "`\($0)`" }.joined(separator: ", "))", at: span)
        }
        return s
    }

    /// The static type a run-time value has (member tables are keyed by it).
    public func staticType(of v: Value) -> DCLType {
        switch v {
        case .int: return .int
        case .float: return .float
        case .bool: return .bool
        case .string: return .string
        case .bytes: return .bytes
        case .none: return .none
        case .list: return .list(.any)
        case .record: return .record([:])
        case .range: return .range
        case .tensor: return .tensor
        case .layer: return .layer
        case .model: return .model
        case .constructor: return .constructor
        case .function: return .function
        case .dataset: return .dataset
        case .clients: return .clients
        case .client: return .client
        case .split: return .split
        case .distill: return .distill
        case .plugin: return .plugin
        case .retrieval: return .retrieval
        case .role(let r): return .role(fleet: r.count != nil)
        case .bundle: return .bundle
        case .optimizer: return .optimizer
        case .schedule: return .schedule
        case .partitioner: return .partitioner
        case .metrics: return .metrics
        case .strategy: return .strategy
        case .option: return .option
        case .module: return .module
        case .unknown: return .any
        }
    }
}
