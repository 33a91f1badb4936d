// The REPL keeps one module for the whole session and grows it one input at a time: each input
// is parsed as its own file (so its diagnostics point into the line just typed), and the items
// it adds — together with the earlier ones it does not redefine — become the session module's
// program. The checker and the evaluator then see an ordinary module.

import DCLSyntax

extension DCLModule {
    /// Replaces the module's items and imports, and re-collects its top-level declarations and
    /// bindings from the new items (for a name written twice, the later item wins — the caller
    /// removes the item a redefinition replaces). Items may come from several source files.
    public func replaceItems(_ items: [Stmt], imports: [ResolvedImport]) {
        program = Program(file: file.id, items: items, comments: [])
        self.imports = imports
        declarations = [:]
        declarationIndex = [:]
        topLevelBindings = [:]
        for (index, item) in items.enumerated() {
            switch item.kind {
            case .decl(let d):
                topLevelBindings[d.name.name] = nil
                declarations[d.name.name] = d
                declarationIndex[d.name.name] = index
            case .binding(let name, _, _, _):
                declarations[name.name] = nil
                declarationIndex[name.name] = nil
                topLevelBindings[name.name] = (item, index)
            default:
                continue
            }
        }
    }
}
