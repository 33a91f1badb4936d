// Run-time scopes. A module's environment holds its top-level bindings; declarations are
// looked up in the module itself and evaluated on first use (see Evaluator+Declarations).
//
// A scope keeps its bindings in one array, not a dictionary: nearly every scope is a
// call's parameters, a loop variable or a branch's few lets, created and dropped by the
// thousand in check mode, and a linear scan over a handful of short names costs less than
// hashing the name once per scope of the chain (and than allocating a dictionary per scope).
// A scope that grows past `indexThreshold` names (a module's top level) adds a name → slot
// index, so lookups there stay constant-time.

import DCLSema

public final class Environment {
    public let parent: Environment?
    public let module: DCLModule
    /// One binding: its name, value and whether a `var` made it.
    fileprivate struct Entry: NamedEntry {
        var name: String
        var value: Value
        var isMutable: Bool
    }
    /// The bindings in definition order: one array, so a scope costs one allocation, not three.
    private var entries: [Entry] = []
    /// Name → slot, kept once the scope holds more than `indexThreshold` names.
    private var index: [String: Int]?
    private static let indexThreshold = 8

    public init(parent: Environment?, module: DCLModule) {
        self.parent = parent
        self.module = module
    }

    /// The slot of `name` in this scope alone.
    @inline(__always)
    private func slot(of name: String) -> Int? {
        if let index { return index[name] }
        return entries.positionOfName(name)
    }

    public func define(_ name: String, _ value: Value, mutable isMutable: Bool = false) {
        if let i = slot(of: name) {
            entries[i].value = value
            entries[i].isMutable = isMutable
            return
        }
        entries.append(Entry(name: name, value: value, isMutable: isMutable))
        if index != nil {
            index![name] = entries.count - 1
        } else if entries.count > Self.indexThreshold {
            buildIndex()
        }
    }

    private func buildIndex() {
        var ix: [String: Int] = [:]
        ix.reserveCapacity(entries.count * 2)
        for (i, e) in entries.enumerated() { ix[e.name] = i }
        index = ix
    }

    /// The nearest binding of `name` in this chain (not declarations or built-ins).
    public func lookup(_ name: String) -> Value? {
        // Walked without retaining and releasing each scope (which showed in profiles): `self`
        // holds its parent, and each parent its own, for as long as this call runs.
        unowned(unsafe) var cur = self
        while true {
            if let i = cur.slot(of: name) { return cur.entries[i].value }
            guard let parent = cur.parent else { return nil }
            cur = parent
        }
    }

    /// Reassigns an existing binding; returns false if there is none or it is not a `var`.
    public func assign(_ name: String, _ value: Value) -> Bool {
        var e: Environment? = self
        while let cur = e {
            if let i = cur.slot(of: name) {
                guard cur.entries[i].isMutable else { return false }
                cur.entries[i].value = value
                return true
            }
            e = cur.parent
        }
        return false
    }

    /// Binds or rebinds in this scope (model bodies name tensors freely).
    public func rebind(_ name: String, _ value: Value) {
        var e: Environment? = self
        while let cur = e {
            if let i = cur.slot(of: name), cur.entries[i].isMutable {
                cur.entries[i].value = value
                return
            }
            e = cur.parent
        }
        define(name, value, mutable: true)
    }

    public var localNames: [String] { entries.map(\.name) }

    /// Whether `name` is bound in this scope by a `var`.
    public func isMutable(_ name: String) -> Bool { slot(of: name).map { entries[$0].isMutable } ?? false }

    /// Removes a binding from this scope (the REPL replaced a `let` by a declaration of the same
    /// name, which a leftover binding would shadow).
    public func remove(_ name: String) {
        guard let i = slot(of: name) else { return }
        entries.remove(at: i)
        if index != nil { buildIndex() }
    }

    /// The bindings of one scope, saved so a failed REPL input can be undone.
    public struct Bindings {
        fileprivate let entries: [Entry]
        fileprivate let index: [String: Int]?
    }

    /// This scope's bindings (not its parents'); setting it puts saved ones back.
    public var bindings: Bindings {
        get { Bindings(entries: entries, index: index) }
        set {
            entries = newValue.entries
            index = newValue.index
        }
    }
}
