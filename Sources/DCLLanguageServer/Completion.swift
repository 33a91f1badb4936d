// Completion, by what precedes the cursor:
// * `import std.` … — StdLib modules and `.dcl` modules beside the document; `import "` — files;
// * `alias.` — the names an aliased import exports;
// * inside the `{ … }` of a `train` statement — its options;
// * inside a call's parentheses — the callee's named parameters (`kernel: `), then everything
//   an expression may use;
// * elsewhere — names in scope (locals, top-level, imported), built-ins with their signatures,
//   keywords.

import DCLSema
import DCLStdLib
import DCLSyntax
import Foundation

extension LanguageServer {
    func completion(_ p: PositionParams, _ s: DocumentState) throws -> CompletionList {
        let lines = s.document.lines
        let offset = lines.offset(of: p.position)
        let lineStart = lines.lineStarts[min(max(p.position.line, 0), lines.lineCount - 1)]
        let before = String(decoding: s.document.bytes[lineStart..<max(lineStart, offset)], as: UTF8.self)
        let word = String(before.reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" }.reversed())
        let directory = (DocumentURI.checkPath(of: s.document.uri) as NSString).deletingLastPathComponent
        var items: [CompletionItem]
        let trimmed = before.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("import \"") || trimmed.hasPrefix("import  \"") {
            let partial = String(trimmed[trimmed.index(after: trimmed.firstIndex(of: "\"")!)...])
            items = Completing.files(partial, in: directory)
        } else if trimmed.hasPrefix("import "), !trimmed.contains(" as ") {
            let partial = trimmed.dropFirst("import ".count).trimmingCharacters(in: .whitespaces)
            items = Completing.modules(partial, in: directory)
        } else if let nav = Navigator(s.analysis), nav.main.file.bytes == s.document.bytes {
            items = Completing.code(nav, offset: offset, word: word, before: before)
        } else {
            items = Completing.builtinsAndKeywords(prefix: word)
        }
        return CompletionList(isIncomplete: false, items: items)
    }
}

enum Completing {
    static func code(_ nav: Navigator, offset: Int, word: String, before: String) -> [CompletionItem] {
        let wordStart = offset - word.utf8.count
        let toks = nav.tokens.filter { Int($0.end) <= wordStart && $0.kind != .eof }
        // `alias.`
        if let last = toks.last, last.kind == .dot, Int(last.end) == wordStart, toks.count >= 2, toks[toks.count - 2].kind == .identifier {
            let base = nav.text(toks[toks.count - 2])
            guard let imp = nav.main.imports.first(where: { $0.declaration.alias?.name == base }), let m = imp.module else { return [] }
            return m.exportedNames.filter { $0.hasPrefix(word) }.map { CompletionItem(label: $0, kind: 6, detail: "from \(m.name)") }
        }
        var items: [CompletionItem] = []
        // The innermost unclosed bracket before the cursor.
        var depth = 0
        var open: Int?
        for i in stride(from: toks.count - 1, through: 0, by: -1) {
            switch toks[i].kind {
            case .rParen, .rBrace, .rBracket: depth += 1
            case .lParen, .lBrace, .lBracket:
                if depth == 0 { open = i } else { depth -= 1 }
            default: break
            }
            if open != nil { break }
        }
        if let o = open {
            if toks[o].kind == .lBrace, isTrainOptions(toks, brace: o) {
                return Checker.trainOptions.keys.sorted().filter { $0.hasPrefix(word) }.map {
                    CompletionItem(label: $0, kind: 10, detail: "train option: \(Checker.trainOptions[$0]!)", insertText: $0 + ": ")
                }
            }
            if toks[o].kind == .lParen, o > 0, toks[o - 1].kind == .identifier {
                items += namedParameters(nav, callee: nav.text(toks[o - 1]), at: offset).filter { $0.label.hasPrefix(word) }
            }
        }
        for (name, d) in nav.visibleNames(at: offset) where name.hasPrefix(word) {
            items.append(CompletionItem(label: name, kind: kind(of: d), detail: detail(of: d, nav)))
        }
        let taken = Set(items.map(\.label))
        items += builtinsAndKeywords(prefix: word).filter { !taken.contains($0.label) }
        return items
    }

    /// Whether the `{` at token `brace` opens a `train` statement's options.
    static func isTrainOptions(_ toks: [Token], brace: Int) -> Bool {
        var i = brace - 1
        var depth = 0
        while i >= 0 {
            switch toks[i].kind {
            case .rParen, .rBrace, .rBracket: depth += 1
            case .lParen, .lBracket: depth -= 1
            case .lBrace: if depth == 0 { return false } else { depth -= 1 }
            case .kwTrain where depth == 0: return true
            case .semicolon where depth == 0: return false
            default: break
            }
            // A statement starts on a new line unless the previous line continues it.
            if depth == 0, toks[i].flags.contains(.newlineBefore), i > 0, !toks[i - 1].kind.continuesLine, !toks[i].kind.continuesLine,
               toks[i].kind != .kwTrain {
                return false
            }
            i -= 1
        }
        return false
    }

    /// `name: ` items for a call's named parameters (built-ins, user functions, models, blocks).
    static func namedParameters(_ nav: Navigator, callee: String, at offset: Int) -> [CompletionItem] {
        let d = nav.resolve(NameAtCursor(name: callee, span: .none, qualifier: nil), at: offset)
        var params: [(String, String)] = []
        switch d {
        case .builtin(let spec)?:
            params = spec.params.map { ($0.name, "\($0.type)" + ($0.defaultValue.map { " = \($0)" } ?? "")) }
        case .topLevel(_, let m, let decl?)?:
            let ps: [Param]
            switch decl.kind {
            case .function(let f): ps = f.params
            case .model(let md): ps = md.params ?? []
            case .block(let b): ps = b.params
            default: ps = []
            }
            params = ps.map { ($0.name.name, m.file.text(of: $0.span)) }
        default: break
        }
        return params.map { CompletionItem(label: $0.0 + ":", kind: 5, detail: $0.1, insertText: $0.0 + ": ", sortText: "0" + $0.0) }
    }

    static func builtinsAndKeywords(prefix: String) -> [CompletionItem] {
        var items = Builtins.all.filter { $0.name.hasPrefix(prefix) }.map { spec in
            CompletionItem(label: spec.name, kind: 3, detail: spec.signature, documentation: MarkupContent(markdown: spec.doc))
        }
        for e in Lexicon.table where !e.lists.isDisjoint(with: [.keyword, .contextual]) && e.text.hasPrefix(prefix)
            && e.text.first?.isLetter == true {
            items.append(CompletionItem(label: e.text, kind: 14))
        }
        return items
    }

    static func modules(_ partial: String, in directory: String) -> [CompletionItem] {
        var names = StdLib.moduleNames
        names += dclFiles(in: directory, recursive: true).map { String($0.dropLast(4)).replacingOccurrences(of: "/", with: ".") }
        return names.filter { $0.hasPrefix(partial) }.map { CompletionItem(label: $0, kind: 9) }
    }

    static func files(_ partial: String, in directory: String) -> [CompletionItem] {
        dclFiles(in: directory, recursive: true).filter { $0.hasPrefix(partial) }.map { CompletionItem(label: $0, kind: 17) }
    }

    /// `.dcl` files under `directory` (two levels at most, a bounded number), as relative paths.
    static func dclFiles(in directory: String, recursive: Bool) -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        func walk(_ rel: String, _ level: Int) {
            guard out.count < 500, let names = try? fm.contentsOfDirectory(atPath: directory + (rel.isEmpty ? "" : "/" + rel)) else { return }
            for n in names.sorted() where !n.hasPrefix(".") {
                let r = rel.isEmpty ? n : rel + "/" + n
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: directory + "/" + r, isDirectory: &isDir) else { continue }
                if isDir.boolValue { if recursive && level < 2 { walk(r, level + 1) } } else if n.hasSuffix(".dcl") { out.append(r) }
            }
        }
        walk("", 0)
        return out
    }

    static func kind(of d: Definition) -> Int {
        switch d {
        case .builtin: return 3
        case .importAlias: return 9
        case .local: return 6
        case .topLevel(_, _, let decl):
            switch decl?.kind {
            case .function?: return 3
            case .model?, .block?: return 7
            default: return 6
            }
        }
    }

    static func detail(of d: Definition, _ nav: Navigator) -> String? {
        switch d {
        case .topLevel(let id, let m, let decl):
            let line = Hovering.firstLine(m.file, decl?.name.span ?? id.span)
            return m === nav.main ? line : line + " — " + m.name
        case .local: return "local"
        case .importAlias(let imp): return imp.module?.name
        case .builtin(let s): return s.signature
        }
    }
}
