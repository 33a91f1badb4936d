// Node attributes: the printable, parseable form of a primitive's configuration.
//
// Each primitive lists its attributes in a fixed order (`Primitive.attributes`) and rebuilds
// itself from a parsed map (`Primitive.init(attributes:)`), so print → parse → print is the
// identity. Lists of plain integers print like dims, and an empty list has no element type, so
// the typed getters accept every textual form that can denote their type.

import DCLText
import DCLTensor

/// One attribute value.
public enum AttributeValue: Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case float(Float)
    case bool(Bool)
    case string(String)
    case ints([Int])
    case floats([Float])
    case dims([Dim])

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .float(let v): return formatFloat(v)
        case .bool(let v): return v ? "true" : "false"
        case .string(let s): return quote(s)
        case .ints(let v): return "[" + v.map(String.init).joined(separator: ",") + "]"
        case .floats(let v): return "[" + v.map(formatFloat).joined(separator: ",") + "]"
        case .dims(let v): return formatDims(v)
        }
    }
}

/// Shortest round-tripping text for a float, always recognisable as a float (`1.0`, `1e-08`, `nan`).
func formatFloat(_ v: Float) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v < 0 ? "-inf" : "inf" }
    return v.description
}

/// A double-quoted string as the graph text writes it (`"` `\` `\n` `\t` escaped, other control
/// characters as \u{…}); the graph parser reads it back.
func quote(_ s: String) -> String { quoted(s, .graph) }

/// A parsed attribute map with typed, throwing accessors.
public struct Attributes: Sendable {
    public var values: [String: AttributeValue]
    /// The op being built, for error messages.
    public var op: String

    public init(_ values: [String: AttributeValue], op: String) {
        self.values = values
        self.op = op
    }

    func missing(_ key: String, _ type: String) -> GraphError {
        GraphError(op: op, values[key] == nil ? "missing attribute '\(key)'" : "attribute '\(key)' must be \(type), got \(values[key]!)")
    }

    public func int(_ key: String) throws -> Int {
        guard case .int(let v)? = values[key] else { throw missing(key, "an integer") }
        return v
    }

    public func float(_ key: String) throws -> Float {
        switch values[key] {
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: throw missing(key, "a number")
        }
    }

    public func bool(_ key: String) throws -> Bool {
        guard case .bool(let v)? = values[key] else { throw missing(key, "true or false") }
        return v
    }

    public func string(_ key: String) throws -> String {
        guard case .string(let v)? = values[key] else { throw missing(key, "a string") }
        return v
    }

    public func ints(_ key: String) throws -> [Int] {
        switch values[key] {
        case .ints(let v)?: return v
        case .dims(let d)?:
            let c = d.compactMap(\.constant)
            if c.count == d.count { return c }
        default: break
        }
        throw missing(key, "a list of integers")
    }

    public func floats(_ key: String) throws -> [Float] {
        switch values[key] {
        case .floats(let v)?: return v
        case .ints(let v)?: return v.map(Float.init)
        default: throw missing(key, "a list of numbers")
        }
    }

    public func dims(_ key: String) throws -> [Dim] {
        switch values[key] {
        case .dims(let v)?: return v
        case .ints(let v)?: return v.map { Dim($0) }
        default: throw missing(key, "a list of dimensions")
        }
    }

    public func dim(_ key: String) throws -> Dim {
        switch values[key] {
        case .dims(let v)? where v.count == 1: return v[0]
        case .ints(let v)? where v.count == 1: return Dim(v[0])
        case .int(let i)?: return Dim(i)
        default: throw missing(key, "a dimension")
        }
    }

    /// An activation given by name (`relu`, `leaky_relu(0.01)`, …).
    public func activation(_ key: String) throws -> Activation {
        guard let a = Activation(parsing: try string(key)) else { throw missing(key, "an activation name") }
        return a
    }
}

/// A single dimension as an attribute (`[N+16]` in text).
func dimAttribute(_ d: Dim) -> AttributeValue { .dims([d]) }
