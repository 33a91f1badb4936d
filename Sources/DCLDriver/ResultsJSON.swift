// The JSON of results.json: a small tree whose objects keep their keys in the order written
// (people read the file; `seeds` before `runs`), rendered with two-space indentation. Numbers
// are written in the shortest form that reads back to the same Double; NaN and infinities,
// which JSON cannot spell, are written as null.

import DCLCompiler
import DCLText
import Foundation

indirect enum ResultJSON: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([ResultJSON])
    case object([(String, ResultJSON)])

    static func == (a: ResultJSON, b: ResultJSON) -> Bool { a.rendered() == b.rendered() }

    func rendered(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let n): return String(n)
        case .number(let d): return d.isFinite ? "\(d)" : "null"
        case .string(let s): return quoted(s, .json)
        case .array(let xs):
            if xs.isEmpty { return "[]" }
            // Arrays of scalars (a row, a list of seeds) stay on one line.
            if xs.allSatisfy(\.isScalar) { return "[" + xs.map { $0.rendered() }.joined(separator: ", ") + "]" }
            return "[\n" + xs.map { inner + $0.rendered(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            return "{\n" + fields.map { inner + quoted($0.0, .json) + ": " + $0.1.rendered(indent: inner) }.joined(separator: ",\n")
                + "\n" + indent + "}"
        }
    }

    var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    /// A script value: numbers, text, truth values and none as themselves, lists and records
    /// as arrays and objects, metrics as an object of their numbers (with `std` and per-client
    /// metrics when they have them), anything else (a model, a dataset) as its printed text.
    init(_ v: Value?) {
        guard let v else { self = .null; return }
        switch v {
        case .int(let n): self = .int(n)
        case .float(let f): self = .number(f)
        case .bool(let b): self = .bool(b)
        case .string(let s): self = .string(s)
        case .none: self = .null
        case .list(let xs): self = .array(xs.map { ResultJSON($0) })
        case .record(let r): self = .object(r.keys.map { ($0, ResultJSON(r[$0])) })
        case .metrics(let m): self = ResultJSON(metrics: m)
        default: self = .string(v.displayString)
        }
    }

    init(metrics m: MetricsValue) {
        var fields = m.values.map { ($0.0, $0.0 == "count" ? Int(exactly: $0.1).map(ResultJSON.int) ?? .number($0.1) : .number($0.1)) }
        if !m.std.isEmpty { fields.append(("std", .object(m.std.map { ($0.0, .number($0.1)) }))) }
        if !m.clients.isEmpty { fields.append(("clients", .array(m.clients.map { ResultJSON(metrics: $0) }))) }
        self = .object(fields)
    }
}
