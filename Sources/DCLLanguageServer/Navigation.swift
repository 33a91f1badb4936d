// Where names are defined, for hover, definition, completion and rename. Resolution follows
// dcl's scoping as the checker does, on the parsed program: a declaration body's parameters,
// inputs and local bindings (the nearest before the use), then the file's top-level names, then
// the names its imports bring in (an aliased import brings the alias), then built-ins.

import DCLDiagnostics
import DCLSema
import DCLSyntax

/// What a name refers to.
enum Definition {
    /// A local of a top-level item's body (parameter, input, binding, loop variable).
    case local(Identifier, item: Stmt)
    /// A top-level declaration or binding of `module` (the document's or an import's).
    case topLevel(Identifier, module: DCLModule, decl: Decl?)
    /// An import's alias.
    case importAlias(ResolvedImport)
    case builtin(BuiltinSpec)

    var identifier: Identifier? {
        switch self {
        case .local(let id, _), .topLevel(let id, _, _): return id
        case .importAlias(let imp): return imp.declaration.alias
        case .builtin: return nil
        }
    }
}

/// An identifier token under the cursor.
struct NameAtCursor {
    let name: String
    let span: SourceSpan
    /// The identifier before a `.` right before this one (`base.name`), if any.
    let qualifier: String?
}

struct Navigator {
    let analysis: Analysis
    let main: DCLModule
    let tokens: [Token]

    init?(_ analysis: Analysis) {
        guard let m = analysis.main else { return nil }
        self.analysis = analysis
        main = m
        tokens = Lexer.lex(m.file, diagnostics: DiagnosticEngine()).tokens
    }

    func text(_ t: Token) -> String { String(decoding: main.file.bytes[Int(t.start)..<Int(t.end)], as: UTF8.self) }

    /// The identifier token at a byte offset (touching its start or end).
    func name(at offset: Int) -> NameAtCursor? {
        guard let i = tokens.firstIndex(where: { $0.kind == .identifier && Int($0.start) <= offset && offset <= Int($0.end) }) else { return nil }
        let t = tokens[i]
        var qualifier: String?
        if i >= 2, tokens[i - 1].kind == .dot, tokens[i - 2].kind == .identifier {
            qualifier = text(tokens[i - 2])
        }
        return NameAtCursor(name: text(t), span: t.span(in: main.file.id), qualifier: qualifier)
    }

    /// The top-level item containing an offset.
    func item(at offset: Int) -> Stmt? {
        main.program.items.first { Int($0.span.start) <= offset && offset <= Int($0.span.end) }
    }

    /// Resolves a name used at `offset` in the document.
    func resolve(_ n: NameAtCursor, at offset: Int) -> Definition? {
        if let q = n.qualifier {
            // `alias.name`: a name of an aliased import.
            guard let imp = main.imports.first(where: { $0.declaration.alias?.name == q }), let m = imp.module else { return nil }
            return topLevel(n.name, in: m)
        }
        if let item = item(at: offset), let local = Navigator.locals(of: item).filter({ $0.name == n.name }).last(where: { Int($0.span.start) <= offset })
            ?? Navigator.locals(of: item).first(where: { $0.name == n.name }) {
            return .local(local, item: item)
        }
        if let d = topLevel(n.name, in: main) { return d }
        for imp in main.imports {
            if let alias = imp.declaration.alias {
                if alias.name == n.name { return .importAlias(imp) }
                continue
            }
            if let m = imp.module, !n.name.hasPrefix("_"), let d = topLevel(n.name, in: m) { return d }
        }
        if let spec = Builtins.spec(n.name) { return .builtin(spec) }
        return nil
    }

    func topLevel(_ name: String, in m: DCLModule) -> Definition? {
        if let d = m.declarations[name] { return .topLevel(d.name, module: m, decl: d) }
        if let b = m.topLevelBindings[name], case .binding(let id, _, _, _) = b.statement.kind { return .topLevel(id, module: m, decl: nil) }
        return nil
    }

    /// Names a top-level item's body defines: parameters, block inputs, model inputs, bindings,
    /// first assignments to a bare name, loop variables — in source order.
    static func locals(of item: Stmt) -> [Identifier] {
        guard case .decl(let d) = item.kind else { return [] }
        var out: [Identifier] = []
        switch d.kind {
        case .function(let f): out = f.params.map(\.name); collect(f.body, &out)
        case .model(let m): out = (m.params ?? []).map(\.name); collect(m.body, &out)
        case .block(let b): out = b.params.map(\.name) + b.inputs; collect(b.body, &out)
        default: break
        }
        return out
    }

    private static func collect(_ block: Block, _ out: inout [Identifier]) {
        for s in block.statements {
            switch s.kind {
            case .binding(let name, _, _, _): out.append(name)
            case .assign(let target, .assign, _):
                if case .name(let id) = target.kind, !out.contains(where: { $0.name == id.name }) { out.append(id) }
            case .input(let name, _): out.append(name)
            case .forStmt(let vars, _, let body): out += vars; collect(body, &out)
            case .whileStmt(_, let body): collect(body, &out)
            case .ifStmt(let branches, let elseBody):
                for b in branches { collect(b.body, &out) }
                if let e = elseBody { collect(e, &out) }
            case .section(_, let body, _): collect(body, &out)
            default: break
            }
        }
    }

    /// Every name visible at `offset`: locals before it, the file's top-level names, imported
    /// names (or aliases).
    func visibleNames(at offset: Int) -> [(name: String, definition: Definition)] {
        var out: [(String, Definition)] = []
        var seen = Set<String>()
        if let item = item(at: offset) {
            for l in Navigator.locals(of: item) where Int(l.span.start) <= offset && seen.insert(l.name).inserted {
                out.append((l.name, .local(l, item: item)))
            }
        }
        for name in (Array(main.declarations.keys) + Array(main.topLevelBindings.keys)).sorted() where seen.insert(name).inserted {
            if let d = topLevel(name, in: main) { out.append((name, d)) }
        }
        for imp in main.imports {
            if let alias = imp.declaration.alias {
                if seen.insert(alias.name).inserted { out.append((alias.name, .importAlias(imp))) }
                continue
            }
            guard let m = imp.module else { continue }
            for name in m.exportedNames where seen.insert(name).inserted {
                if let d = topLevel(name, in: m) { out.append((name, d)) }
            }
        }
        return out
    }

    /// The identifier tokens that refer to `definition` in this document: uses after a `.` are
    /// members and labels (`name:` inside a call or record) are argument names, so both are
    /// left out; a top-level name is not renamed inside bodies that define a local of that name.
    func occurrences(of definition: Definition) -> [SourceSpan]? {
        guard let id = definition.identifier, id.span.file == main.file.id else { return nil }
        var scope: (Int, Int) = (0, main.file.bytes.count)
        var shadowing: [Stmt] = []
        switch definition {
        case .local(_, let item): scope = (Int(item.span.start), Int(item.span.end))
        case .topLevel:
            shadowing = main.program.items.filter { Navigator.locals(of: $0).contains { $0.name == id.name } }
        default: return nil
        }
        var out: [SourceSpan] = []
        for (i, t) in tokens.enumerated() where t.kind == .identifier && Int(t.start) >= scope.0 && Int(t.end) <= scope.1 {
            guard text(t) == id.name else { continue }
            let span = t.span(in: main.file.id)
            if span == id.span { out.append(span); continue }
            if i > 0, tokens[i - 1].kind == .dot { continue }
            if i + 1 < tokens.count, tokens[i + 1].kind == .colon, isLabel(i) { continue }
            if shadowing.contains(where: { $0.span.start <= t.start && t.end <= $0.span.end }) { continue }
            out.append(span)
        }
        return out
    }

    /// Whether the identifier at token `i`, followed by `:`, is a label (inside `(…)` or a
    /// record/options `{…}` at the same nesting), not a typed binding such as `let x: int`.
    private func isLabel(_ i: Int) -> Bool {
        if i > 0, [.kwLet, .kwVar, .kwParam].contains(tokens[i - 1].kind) { return false }
        if i > 0, tokens[i - 1].kind == .identifier, text(tokens[i - 1]) == "input" { return false }
        return true
    }
}
