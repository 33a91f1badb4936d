// Which built-in a name means where no scope binds it. Every layer call in a model body
// (`conv2d(…)`, `|> relu`) asks, and the answer took five or six dictionary lookups of the
// name — the module's declarations and top-level bindings, each import's, the catalog — on
// every call: ~5 % of `dcl check` on the parse benchmark.
//
// Under a check the program cannot change (the REPL adds declarations between inputs, so it
// never uses the memo), so the answer per module and name is remembered: one lookup after the
// first. The memo lives in the evaluator, so two sessions share nothing.

import DCLSema

/// How a name is used: `lookup`'s order (declarations, top-level bindings, imports' aliases and
/// exports, built-ins) or a call by name's (declarations, what non-aliased imports declare or
/// bind, built-ins).
enum NameUse: Hashable {
    case value
    case callee
}

/// A name as seen from one module, for one use.
struct NameInModule: Hashable {
    let module: ObjectIdentifier
    let name: String
    let use: NameUse
}

extension Evaluator {
    /// The built-in `name` means in module `m` when no scope binds it (nil: a declaration, a
    /// top-level binding, an import or nothing), remembered under a check.
    func builtinNamed(_ name: String, in m: DCLModule, as use: NameUse) -> BuiltinSpec? {
        let key = NameInModule(module: ObjectIdentifier(m), name: name, use: use)
        if checkMode, let known = builtinResolutions[key] { return known }
        let spec = use == .value ? Self.resolveAsValue(name, in: m) : Self.resolveAsCallee(name, in: m)
        if checkMode { builtinResolutions[key] = spec }
        return spec
    }

    private static func resolveAsValue(_ name: String, in m: DCLModule) -> BuiltinSpec? {
        if m.declarations[name] != nil || m.topLevelBindings[name] != nil { return nil }
        for imp in m.imports {
            guard let target = imp.module else { continue }
            if let alias = imp.declaration.alias {
                if alias.name == name { return nil }
                continue
            }
            if name.hasPrefix("_") { continue }
            if target.declarations[name] != nil || target.topLevelBindings[name] != nil { return nil }
        }
        return Builtins.spec(name)
    }

    private static func resolveAsCallee(_ name: String, in m: DCLModule) -> BuiltinSpec? {
        if m.declarations[name] != nil { return nil }
        let shadowed = m.imports.contains { imp in
            guard let target = imp.module, imp.declaration.alias == nil else { return false }
            return target.declarations[name] != nil || target.topLevelBindings[name] != nil
        }
        return shadowed ? nil : Builtins.spec(name)
    }
}
