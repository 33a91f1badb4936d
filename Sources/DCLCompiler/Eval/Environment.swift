// Run-time scopes. A module's environment holds its top-level bindings; declarations are
// looked up in the module itself and evaluated on first use (see Evaluator+Declarations).

import DCLSema

public final class Environment {
    public let parent: Environment?
    public let module: DCLModule
    private(set) var values: [String: Value] = [:]
    private var mutable: Set<String> = []

    public init(parent: Environment?, module: DCLModule) {
        self.parent = parent
        self.module = module
    }

    public func define(_ name: String, _ value: Value, mutable isMutable: Bool = false) {
        values[name] = value
        if isMutable { mutable.insert(name) } else { mutable.remove(name) }
    }

    /// The nearest binding of `name` in this chain (not declarations or built-ins).
    public func lookup(_ name: String) -> Value? {
        var e: Environment? = self
        while let cur = e {
            if let v = cur.values[name] { return v }
            e = cur.parent
        }
        return nil
    }

    /// Reassigns an existing binding; returns false if there is none or it is not a `var`.
    public func assign(_ name: String, _ value: Value) -> Bool {
        var e: Environment? = self
        while let cur = e {
            if cur.values[name] != nil {
                guard cur.mutable.contains(name) else { return false }
                cur.values[name] = value
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
            if cur.values[name] != nil, cur.mutable.contains(name) {
                cur.values[name] = value
                return
            }
            e = cur.parent
        }
        define(name, value, mutable: true)
    }

    public var localNames: [String] { Array(values.keys) }

    /// Whether `name` is bound in this scope by a `var`.
    public func isMutable(_ name: String) -> Bool { mutable.contains(name) }

    /// Removes a binding from this scope (the REPL replaced a `let` by a declaration of the same
    /// name, which a leftover binding would shadow).
    public func remove(_ name: String) {
        values[name] = nil
        mutable.remove(name)
    }

    /// The bindings of one scope, saved so a failed REPL input can be undone.
    public struct Bindings {
        fileprivate let values: [String: Value]
        fileprivate let mutable: Set<String>
    }

    /// This scope's bindings (not its parents'); setting it puts saved ones back.
    public var bindings: Bindings {
        get { Bindings(values: values, mutable: mutable) }
        set {
            values = newValue.values
            mutable = newValue.mutable
        }
    }
}
