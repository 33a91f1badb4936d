// The names a `dcl summary FILE MODEL` / `dcl graph FILE MODEL` expression starts from, checked
// against what the script defines before anything is evaluated — so a typo is a name error
// (E0100, exit 1) with a did-you-mean hint, as in a script, not a run-time failure.

import DCLCompiler
import DCLDiagnostics
import DCLSema
import DCLSyntax

enum ModelExpressionNames {
    /// The first name `e` reads that the main module cannot resolve, as an E0100 diagnostic.
    static func unknownName(in e: Expr, module m: DCLModule, environment env: Environment) -> Diagnostic? {
        for id in rootNames(of: e) where !isVisible(id.name, in: m, environment: env) {
            var d = Diagnostic.error("E0100", "unknown name `\(id.name)`", at: id.span)
            d.hint = closestName(to: id.name, among: visibleNames(in: m, environment: env)).map { "did you mean `\($0)`?" }
                ?? "name a model the script defines, such as a `let` or a `model` declaration"
            return d
        }
        return nil
    }

    /// The names a model path starts from: `net`, `base` in `base.device`, `lenet` in
    /// `lenet(10)`. Arguments are left to the checker-free evaluation (a bare name there may be
    /// an option such as `fuse: sum`).
    static func rootNames(of e: Expr) -> [Identifier] {
        switch e.kind {
        case .name(let id): return [id]
        case .member(let base, _), .index(let base, _), .paren(let base): return rootNames(of: base)
        case .call(let callee, _): return rootNames(of: callee)
        case .binary(_, let a, let b): return rootNames(of: a) + rootNames(of: b)
        default: return []
        }
    }

    static func isVisible(_ name: String, in m: DCLModule, environment env: Environment) -> Bool {
        if env.lookup(name) != nil || m.declarations[name] != nil || m.topLevelBindings[name] != nil { return true }
        if Builtins.spec(name) != nil { return true }
        return m.imports.contains { imp in
            guard let target = imp.module else { return false }
            if let alias = imp.declaration.alias { return alias.name == name }
            return !name.hasPrefix("_") && target.exportedNames.contains(name)
        }
    }

    /// What the script defines and imports (built-ins are left out: a hint should point at the
    /// script's own models).
    static func visibleNames(in m: DCLModule, environment env: Environment) -> [String] {
        var names = Set(env.localNames).union(m.declarations.keys).union(m.topLevelBindings.keys)
        for imp in m.imports {
            if let alias = imp.declaration.alias { names.insert(alias.name) } else if let t = imp.module { names.formUnion(t.exportedNames) }
        }
        return names.sorted()
    }
}
