// Arguments matched to a built-in's signature. Every layer application in a model body binds
// one (a `conv2d` has a dozen parameters, nearly all defaulted), so the names, values and spans
// sit in one array rather than in two dictionaries: a lookup scans a dozen short names, which
// costs less than the hashing and the allocations per call that dictionaries took (≈ 6 % of
// `dcl check` on the parse benchmark), and one array is one allocation where three parallel
// arrays were three.
//
// `values` and `spans` remain as dictionary views for the places that read or patch a bound
// argument by name outside the hot path.

import DCLDiagnostics
import DCLSema

/// Arguments matched to a signature, defaults filled in (see `bindArguments`).
public struct BoundArguments {
    /// One argument: its parameter's name, the bound value (nil: only a span, for a default
    /// filled in later) and where it was written.
    private struct Entry: NamedEntry {
        var name: String
        var value: Value?
        var span: SourceSpan?
    }
    /// In binding order (the written arguments, then the defaults); one array, one allocation.
    private var entries: [Entry] = []

    public init() {}

    public init(values: [String: Value], spans: [String: SourceSpan]) {
        for (k, v) in values { set(k, value: v) }
        for (k, s) in spans { setSpan(k, s) }
    }

    /// Room for `n` arguments.
    mutating func reserve(_ n: Int) {
        entries.reserveCapacity(n)
    }

    @inline(__always)
    private func slot(of name: String) -> Int? {
        entries.positionOfName(name)
    }

    private mutating func slotCreating(_ name: String) -> Int {
        if let i = slot(of: name) { return i }
        entries.append(Entry(name: name, value: nil, span: nil))
        return entries.count - 1
    }

    /// The value bound to `name`, or none.
    public subscript(name: String) -> Value { value(of: name) ?? .none }

    /// The value bound to `name`, if any.
    public func value(of name: String) -> Value? { slot(of: name).flatMap { entries[$0].value } }

    /// Where the argument `name` was written (the call's span for a default), if bound.
    public func span(of name: String) -> SourceSpan? { slot(of: name).flatMap { entries[$0].span } }

    /// Binds `name` to `value` (and, when given, where it was written).
    public mutating func set(_ name: String, value: Value?, span: SourceSpan? = nil) {
        let i = slotCreating(name)
        entries[i].value = value
        if let span { entries[i].span = span }
    }

    /// Binds a name known not to be bound yet (`bindArguments` tracks that by position).
    mutating func append(_ name: String, value: Value?, span: SourceSpan) {
        entries.append(Entry(name: name, value: value, span: span))
    }

    mutating func setSpan(_ name: String, _ span: SourceSpan?) {
        let i = slotCreating(name)
        entries[i].span = span
    }

    /// Whether any bound value satisfies `predicate`.
    public func containsValue(where predicate: (Value) throws -> Bool) rethrows -> Bool {
        for e in entries { if let v = e.value, try predicate(v) { return true } }
        return false
    }

    /// Calls `body` with each bound name and value, in binding order.
    public func forEach(_ body: (String, Value) throws -> Void) rethrows {
        for e in entries { if let v = e.value { try body(e.name, v) } }
    }

    /// The bound values by name.
    public var values: [String: Value] {
        get {
            var d: [String: Value] = [:]
            for e in entries { if let v = e.value { d[e.name] = v } }
            return d
        }
        set {
            for i in entries.indices { entries[i].value = newValue[entries[i].name] }
            for (k, v) in newValue where slot(of: k) == nil { set(k, value: v) }
        }
    }

    /// Where each argument was written (the call's span for defaults).
    public var spans: [String: SourceSpan] {
        get {
            var d: [String: SourceSpan] = [:]
            for e in entries { if let s = e.span { d[e.name] = s } }
            return d
        }
        set {
            for i in entries.indices { entries[i].span = newValue[entries[i].name] }
            for (k, s) in newValue where slot(of: k) == nil { setSpan(k, s) }
        }
    }
}
