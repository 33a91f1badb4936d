// Tab completion: what may follow the text before the cursor. Candidates come from the same
// tables the checker uses — `Lexicon.table` (keywords), `Builtins.all` (layers, ops, functions),
// `Members` (what `net.` or `d.` offer), `StdLib.moduleNames` — plus the session's own names, the
// `:commands`, and files for paths inside string literals and `:load`/`:save` arguments.
// Completion never evaluates anything: a name's members come from its value if it has one, or
// from its declaration's kind.

import DCLCompiler
import DCLSema
import DCLStdLib
import DCLSyntax
import Foundation

/// Replace the line's bytes `start..<cursor` with one of `candidates`.
public struct CompletionResult: Equatable {
    public let start: Int
    public let candidates: [String]
    /// Whether a unique candidate is followed by a space (not after a directory, nor inside a string).
    public let appendSpace: Bool
}

extension ReplSession {
    /// Completions at `cursor` (a UTF-8 offset into `line`; the end if nil).
    public func completions(line: String, cursor: Int? = nil) -> CompletionResult {
        let bytes = Array(line.utf8.prefix(cursor ?? line.utf8.count))
        let first = bytes.firstIndex { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") } ?? bytes.count
        guard first < bytes.count, bytes[first] == UInt8(ascii: ":") else { return code(bytes, from: 0) }
        guard let nameEnd = bytes[first...].firstIndex(where: { $0 == UInt8(ascii: " ") }) else {
            let typed = String(decoding: bytes[(first + 1)...], as: UTF8.self)
            let names = ReplSession.commands.map(\.name).filter { $0.hasPrefix(typed) }.map { ":" + $0 }
            return CompletionResult(start: first, candidates: names, appendSpace: true)
        }
        let name = String(decoding: bytes[(first + 1)..<nameEnd], as: UTF8.self)
        let wordStart = (bytes.lastIndex { $0 == UInt8(ascii: " ") } ?? nameEnd) + 1
        let word = String(decoding: bytes[wordStart...], as: UTF8.self)
        let previous = String(decoding: bytes[..<wordStart], as: UTF8.self).split(separator: " ").last.map(String.init)
        switch ReplSession.command(named: name)?.name {
        case "load", "save":
            return paths(word, at: wordStart, relativeTo: FileManager.default.currentDirectoryPath)
        case "graph" where previous == "--dot":
            return paths(word, at: wordStart, relativeTo: FileManager.default.currentDirectoryPath)
        case "help":
            let names = (completionNames() + ReplSession.commands.map { ":" + $0.name }).filter { $0.hasPrefix(word) }
            return CompletionResult(start: wordStart, candidates: names.sorted(), appendSpace: true)
        case nil, "reload", "env", "quit":
            return CompletionResult(start: bytes.count, candidates: [], appendSpace: false)
        default:
            return code(bytes, from: nameEnd + 1)
        }
    }

    /// Completion inside dcl code that starts at `from`.
    private func code(_ bytes: [UInt8], from: Int) -> CompletionResult {
        if let quote = ReplSession.openString(bytes, from: from) {
            return paths(String(decoding: bytes[(quote + 1)...], as: UTF8.self), at: quote + 1, relativeTo: state.directory)
        }
        var start = bytes.count
        while start > from, ReplSession.isWordByte(bytes[start - 1]) { start -= 1 }
        let word = String(decoding: bytes[start...], as: UTF8.self)
        let before = String(decoding: bytes[from..<start], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        if before == "import" || before.hasSuffix(";import") || before.hasSuffix(" import") {
            return CompletionResult(start: start, candidates: StdLib.moduleNames.filter { $0.hasPrefix(word) }, appendSpace: true)
        }
        guard let dot = word.lastIndex(of: ".") else {
            return CompletionResult(start: start, candidates: completionNames().filter { $0.hasPrefix(word) }, appendSpace: true)
        }
        let base = String(word[..<dot]), prefix = String(word[word.index(after: dot)...])
        let members = self.members(of: base).filter { $0.hasPrefix(prefix) }.map { base + "." + $0 }
        return CompletionResult(start: start, candidates: members, appendSpace: true)
    }

    /// Every name visible at the top of the session: keywords and contextual words, built-ins,
    /// imported names and aliases, and the session's definitions.
    func completionNames() -> [String] {
        var names = Set(Lexicon.table.filter { !$0.lists.isDisjoint(with: [.keyword, .contextual]) }.map(\.text))
        names.formUnion(Builtins.all.map(\.name))
        for imp in state.module.imports {
            guard let m = imp.module else { continue }
            if let alias = imp.declaration.alias { names.insert(alias.name) } else { names.formUnion(m.exportedNames) }
        }
        names.formUnion(definedNames)
        return names.sorted()
    }

    /// The members `base.` offers; `base` is a dotted path from a name.
    func members(of base: String) -> [String] {
        let parts = base.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let head = parts.first, !head.isEmpty else { return [] }
        if let alias = state.module.imports.first(where: { $0.declaration.alias?.name == head }), parts.count == 1 {
            return alias.module?.exportedNames ?? []
        }
        // Follow values while they are known (a record's fields), then static types.
        var value = state.environment.lookup(head)
        var type = value.map(state.evaluator.staticType(of:)) ?? declarationType(head)
        for part in parts.dropFirst() {
            if case .record(let r)? = value, let field = r[part] {
                value = field
                type = state.evaluator.staticType(of: field)
            } else {
                value = nil
                guard let t = type.flatMap({ Members.properties(of: $0)[part] }) else { return [] }
                type = t
            }
        }
        if case .record(let r)? = value { return r.keys.sorted() }
        guard let t = type else { return [] }
        return (Array(Members.properties(of: t).keys) + Members.methods(of: t).map(\.name)).sorted()
    }

    /// The type a declaration's name has, without evaluating it.
    private func declarationType(_ name: String) -> DCLType? {
        guard let d = declaration(named: name) else { return nil }
        switch d.kind {
        case .model(let md): return md.params == nil ? .model : nil
        case .split: return .split
        case .distill: return .distill
        case .plugin: return .plugin
        case .retrieval: return .retrieval
        case .role(_, let count, _): return .role(fleet: count != nil)
        case .bundle: return .bundle
        case .param(_, let t, _): return ScriptParamType(t)?.type
        case .function, .block, .data: return nil
        }
    }

    /// Files and directories whose path starts with `fragment` (relative to `directory` unless
    /// absolute); hidden ones only when the fragment asks for them.
    private func paths(_ fragment: String, at start: Int, relativeTo directory: String) -> CompletionResult {
        let slash = fragment.lastIndex(of: "/")
        let dirPart = slash.map { String(fragment[...$0]) } ?? ""
        let namePrefix = slash.map { String(fragment[fragment.index(after: $0)...]) } ?? fragment
        let dir = dirPart.hasPrefix("/") ? dirPart : (directory as NSString).appendingPathComponent(dirPart)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let candidates = entries.filter { $0.hasPrefix(namePrefix) && (namePrefix.hasPrefix(".") || !$0.hasPrefix(".")) }
            .map { entry -> String in
                var isDirectory: ObjCBool = false
                FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(entry), isDirectory: &isDirectory)
                return dirPart + entry + (isDirectory.boolValue ? "/" : "")
            }
        return CompletionResult(start: start, candidates: candidates.sorted(), appendSpace: false)
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
    }

    /// The offset of the `"` that opens a string still open at the end of `bytes`, if any —
    /// following escapes and `{…}` interpolations (code again) as the lexer does.
    static func openString(_ bytes: [UInt8], from: Int) -> Int? {
        // Each entry is a string being read; its `depth` counts braces of an interpolation in it.
        var strings: [(quote: Int, depth: Int)] = []
        var i = from
        while i < bytes.count {
            let c = bytes[i]
            if let top = strings.last, top.depth == 0 {
                if c == UInt8(ascii: "\\") { i += 2; continue }
                if c == UInt8(ascii: "\"") { strings.removeLast() }
                if c == UInt8(ascii: "{") { strings[strings.count - 1].depth = 1 }
            } else if c == UInt8(ascii: "\"") {
                strings.append((i, 0))
            } else if !strings.isEmpty {
                if c == UInt8(ascii: "{") { strings[strings.count - 1].depth += 1 }
                if c == UInt8(ascii: "}") { strings[strings.count - 1].depth -= 1 }
            } else if c == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
                return nil  // the rest of the line is a comment
            }
            i += 1
        }
        guard let top = strings.last, top.depth == 0 else { return nil }
        return top.quote
    }
}
