// What the REPL needs beyond running a file top to bottom: to forget the remembered value of a
// declaration it redefines, and to save and restore what some names stand for, so an input that
// fails part-way leaves no half-defined names. Only the names an input defines are put back:
// assignments it made to existing `var`s stay, as do model weights (a `train` stopped with Ctrl-C
// keeps its last completed step, by design).

import DCLSema

extension Evaluator {
    /// The run-time meaning of some top-level names of a module: their bindings and the values of
    /// their declarations evaluated so far (absent when there was none).
    public struct SavedNames {
        fileprivate let module: DCLModule
        fileprivate let bindings: [String: (value: Value, mutable: Bool)]
        fileprivate let declarations: [String: Value]
        fileprivate let names: Set<String>
    }

    /// Saves what `names` stand for in `m` now.
    public func save(_ names: Set<String>, of m: DCLModule) -> SavedNames {
        let env = environment(of: m)
        var bindings: [String: (value: Value, mutable: Bool)] = [:]
        var declarations: [String: Value] = [:]
        for name in names {
            if let v = env.lookup(name) { bindings[name] = (v, env.isMutable(name)) }
            if let v = declarationValues[key(name, in: m)] { declarations[name] = v }
        }
        return SavedNames(module: m, bindings: bindings, declarations: declarations, names: names)
    }

    /// Puts back what the saved names stood for: bindings and declaration values made since are
    /// dropped, and the saved ones come back.
    public func restore(_ saved: SavedNames) {
        let env = environment(of: saved.module)
        for name in saved.names {
            if let b = saved.bindings[name] { env.define(name, b.value, mutable: b.mutable) } else { env.remove(name) }
            declarationValues[key(name, in: saved.module)] = saved.declarations[name]
        }
    }

    /// Forgets the value of `m`'s declaration `name`, so its next use evaluates the declaration
    /// the module holds now (the REPL replaced it).
    public func forgetDeclaration(_ name: String, in m: DCLModule) {
        declarationValues[key(name, in: m)] = nil
    }

    /// Declaration values are remembered under this key (see `declarationValue`).
    private func key(_ name: String, in m: DCLModule) -> DeclarationKey { DeclarationKey(module: m.name, name: name) }
}
