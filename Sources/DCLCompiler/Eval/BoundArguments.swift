// Arguments matched to a built-in's signature. Every layer application in a model body binds
// one (a `conv2d` has a dozen parameters, nearly all defaulted), so the names, values and spans
// sit in parallel arrays in parameter order rather than in two dictionaries: a lookup scans a
// dozen short names, which costs less than the hashing and the two allocations per call that
// dictionaries took (≈ 6 % of `dcl check` on the parse benchmark).
//
// `values` and `spans` remain as dictionary views for the places that read or patch a bound
// argument by name outside the hot path.

import DCLDiagnostics
import DCLSema

/// Arguments matched to a signature, defaults filled in (see `bindArguments`).
public struct BoundArguments {
    private var names: [String] = []
    private var slots: [Value?] = []
    private var spanSlots: [SourceSpan?] = []

    public init() {}

    public init(values: [String: Value], spans: [String: SourceSpan]) {
        for (k, v) in values { set(k, value: v) }
        for (k, s) in spans { setSpan(k, s) }
    }

    /// Room for `n` arguments.
    mutating func reserve(_ n: Int) {
        names.reserveCapacity(n)
        slots.reserveCapacity(n)
        spanSlots.reserveCapacity(n)
    }

    @inline(__always)
    private func slot(of name: String) -> Int? {
        return names.positionOfName(name)
    }

    private mutating func slotCreating(_ name: String) -> Int {
        if let i = slot(of: name) { return i }
        names.append(name)
        slots.append(nil)
        spanSlots.append(nil)
        return names.count - 1
    }

    /// The value bound to `name`, or none.
    public subscript(name: String) -> Value { value(of: name) ?? .none }

    /// The value bound to `name`, if any.
    public func value(of name: String) -> Value? { slot(of: name).flatMap { slots[$0] } }

    /// Where the argument `name` was written (the call's span for a default), if bound.
    public func span(of name: String) -> SourceSpan? { slot(of: name).flatMap { spanSlots[$0] } }

    /// Binds `name` to `value` (and, when given, where it was written).
    public mutating func set(_ name: String, value: Value?, span: SourceSpan? = nil) {
        let i = slotCreating(name)
        slots[i] = value
        if let span { spanSlots[i] = span }
    }

    mutating func setSpan(_ name: String, _ span: SourceSpan?) {
        let i = slotCreating(name)
        spanSlots[i] = span
    }

    /// Whether any bound value satisfies `predicate`.
    public func containsValue(where predicate: (Value) throws -> Bool) rethrows -> Bool {
        for case let v? in slots where try predicate(v) { return true }
        return false
    }

    /// Calls `body` with each bound name and value, in parameter order.
    public func forEach(_ body: (String, Value) throws -> Void) rethrows {
        for (n, v) in zip(names, slots) { if let v { try body(n, v) } }
    }

    /// The bound values by name.
    public var values: [String: Value] {
        get {
            var d: [String: Value] = [:]
            for (n, v) in zip(names, slots) { if let v { d[n] = v } }
            return d
        }
        set {
            for i in slots.indices { slots[i] = newValue[names[i]] }
            for (k, v) in newValue where slot(of: k) == nil { set(k, value: v) }
        }
    }

    /// Where each argument was written (the call's span for defaults).
    public var spans: [String: SourceSpan] {
        get {
            var d: [String: SourceSpan] = [:]
            for (n, s) in zip(names, spanSlots) { if let s { d[n] = s } }
            return d
        }
        set {
            for i in spanSlots.indices { spanSlots[i] = newValue[names[i]] }
            for (k, s) in newValue where slot(of: k) == nil { setSpan(k, s) }
        }
    }
}
