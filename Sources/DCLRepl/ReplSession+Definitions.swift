// What the session defines, shown and kept: `:env` lists it, `:save` writes it as a script, and
// `:help NAME` documents a built-in (from the catalog) or a definition (from its source).

import DCLCompiler
import DCLDiagnostics
import DCLSema
import DCLSyntax
import Foundation

extension ReplSession {
    func envCommand() -> Bool {
        let s = state
        var lines: [String] = []
        var seenImports = Set<String>()
        for item in s.items {
            if case .importDecl = item.kind, seenImports.insert(sourceText(item)).inserted { lines.append(sourceText(item)) }
        }
        var rows: [(String, String, String)] = []
        for item in s.items {
            switch item.kind {
            case .decl(let d):
                rows.append((d.keyword, d.name.name, signature(of: d)))
            case .binding(let name, _, _, let mutable):
                let value = s.environment.lookup(name.name).map { "= " + ReplSession.abbreviated($0.displayString) } ?? ""
                rows.append((mutable ? "var" : "let", name.name, value))
            default:
                continue
            }
        }
        if lines.isEmpty && rows.isEmpty {
            output("nothing defined yet")
            return true
        }
        let kindWidth = rows.map(\.0.count).max() ?? 0, nameWidth = rows.map(\.1.count).max() ?? 0
        for (kind, name, detail) in rows {
            let row = kind.padding(toLength: kindWidth, withPad: " ", startingAt: 0) + "  "
                + name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + detail
            lines.append(row.trimmingCharacters(in: .whitespaces))
        }
        output(lines.joined(separator: "\n"))
        return true
    }

    /// One line of at most 72 characters.
    static func abbreviated(_ text: String) -> String {
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let cut = line.count > 72 ? String(line.prefix(71)) + "…" : line
        return cut + (line != text && !cut.hasSuffix("…") ? " …" : "")
    }

    /// A definition's parameters as written (`(classes: int = 10)`), or nothing.
    func signature(of d: Decl) -> String {
        let params: [Param]?
        switch d.kind {
        case .function(let f): params = f.params
        case .model(let m): params = m.params
        case .block(let b): params = b.params
        default: params = nil
        }
        guard let ps = params else { return "" }
        return "(" + ps.map { state.evaluator.text(of: $0.span) }.joined(separator: ", ") + ")"
    }

    func sourceText(_ item: Stmt) -> String {
        state.sources.file(item.span.file)?.text(of: item.span) ?? ""
    }

    /// The session's definitions as a formatted script: imports first (once each), then every
    /// declaration and top-level binding, in the order accepted except that a definition comes
    /// after the bindings it reads (see `scriptOrder`).
    public func savedScript() -> String? {
        var imports: [String] = []
        for item in state.items {
            guard case .importDecl = item.kind else { continue }
            let text = sourceText(item)
            if !imports.contains(text) { imports.append(text) }
        }
        let body = scriptOrder(state.items.filter { ReplSession.definedName($0) != nil }).map(sourceText)
        let text = "// Saved from a dcl repl session.\n" + (imports.isEmpty ? "" : imports.joined(separator: "\n") + "\n\n")
            + body.joined(separator: "\n\n") + "\n"
        let sources = SourceManager(), engine = DiagnosticEngine()
        let formatted = SourceFormatter.format(sources.add(path: "<save>", text: text), diagnostics: engine)
        if formatted == nil { report(engine.sorted) }
        return formatted
    }

    /// Orders definitions so that each comes after the top-level bindings it reads — which the
    /// accepted order does not guarantee once a binding was redefined (the new one is last). Stable:
    /// otherwise the accepted order. The names an item reads are its identifier tokens, a safe
    /// over-approximation; a cycle (only possible through redefinitions) keeps the accepted order.
    func scriptOrder(_ items: [Stmt]) -> [Stmt] {
        let bindings = Set(items.compactMap { item -> String? in
            if case .binding(let name, _, _, _) = item.kind { return name.name }
            return nil
        })
        var pending = items.map { item -> (item: Stmt, reads: Set<String>) in
            let own = ReplSession.definedName(item)
            return (item, identifiers(in: item).intersection(bindings).filter { $0 != own })
        }
        var placed = Set<String>(), ordered: [Stmt] = []
        while !pending.isEmpty {
            let next = pending.firstIndex { $0.reads.isSubset(of: placed) } ?? 0
            let (item, _) = pending.remove(at: next)
            ordered.append(item)
            if let name = ReplSession.definedName(item) { placed.insert(name) }
        }
        return ordered
    }

    /// The identifiers written in an item's source text.
    private func identifiers(in item: Stmt) -> Set<String> {
        guard let file = state.sources.file(item.span.file) else { return [] }
        let lexed = Lexer.lex(file, diagnostics: DiagnosticEngine(errorLimit: 1_000))
        var names = Set<String>()
        for t in lexed.tokens where t.kind == .identifier && t.start >= item.span.start && t.end <= item.span.end {
            names.insert(file.text(of: t.span(in: file.id)))
        }
        return names
    }

    func save(to path: String) -> Bool {
        guard let script = savedScript() else { return false }
        do {
            try ReplFiles.write(Data(script.utf8), to: path, example: "session.dcl")
        } catch {
            errors(":save: \(ReplFiles.describe(error))")
            return false
        }
        output("saved \(definedNames.count) definitions to `\(path)`")
        return true
    }

    func help(_ topic: String) -> Bool {
        let name = topic.trimmingCharacters(in: .whitespaces)
        if name.isEmpty {
            output(ReplSession.helpText)
            return true
        }
        if name.hasPrefix(":"), let c = ReplSession.command(named: String(name.dropFirst())) {
            output(":\(c.name) \(c.arguments)".trimmingCharacters(in: .whitespaces) + "\n  " + c.summary)
            return true
        }
        if let d = declaration(named: name) {
            output(documentation(of: d))
            return true
        }
        if let spec = Builtins.spec(name) {
            var lines = [spec.signature, "  " + spec.doc]
            for p in spec.params where !p.doc.isEmpty { lines.append("  \(p.name): \(p.doc)") }
            output(lines.joined(separator: "\n"))
            return true
        }
        errors("no documentation for `\(name)`" + (closestName(to: name, among: completionNames()).map { "; did you mean `\($0)`?" } ?? ""))
        return false
    }

    /// A declaration the session can see: its own, then its imports'.
    func declaration(named name: String) -> Decl? {
        if let d = state.module.declarations[name] { return d }
        for m in state.importedModules().reversed() { if let d = m.declarations[name] { return d } }
        return nil
    }

    /// The comment lines just above a declaration, and its first line.
    func documentation(of d: Decl) -> String {
        guard let file = state.sources.file(d.keywordSpan.file) else { return d.keyword + " " + d.name.name }
        let line = file.lineIndex(of: Int(d.keywordSpan.start))
        var comments: [String] = []
        var i = line - 1
        while i >= 0 {
            let text = file.lineText(i).trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("//") else { break }
            comments.insert(text, at: 0)
            i -= 1
        }
        var header = file.lineText(line).trimmingCharacters(in: .whitespaces)
        if header.hasSuffix("{") { header = String(header.dropLast()).trimmingCharacters(in: .whitespaces) }
        return (comments + [header]).joined(separator: "\n")
    }

    static let helpText = """
        Type dcl declarations and statements; each runs as soon as it is complete. An open `(`, `[`
        or `{` continues on the next line (`...`); a blank line ends the input. A later definition
        of a name replaces the earlier one. Tab completes names, members, `:commands` and paths in
        strings. Ctrl-C stops a running statement (training keeps the last step's weights) or
        clears the line; Ctrl-D quits.

        """ + commands.map { c in
            let head = ":\(c.name) \(c.arguments)".trimmingCharacters(in: .whitespaces)
            return "  " + head.padding(toLength: 26, withPad: " ", startingAt: 0) + c.summary
        }.joined(separator: "\n")
}
