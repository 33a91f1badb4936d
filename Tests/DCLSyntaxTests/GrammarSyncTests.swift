// Keeps Grammar/dcl.ebnf, the lexer's table and the parser in step:
// * the keyword, contextual-word and operator lists at the end of the grammar equal
//   `Lexicon.table`, and the size suffixes equal `Lexicon.sizeSuffixes`;
// * every rule is quoted (`/* rule = … ; */`) above the function implementing it — syntactic
//   rules in Parser*.swift, lexical ones in Lexer*.swift — with exactly the grammar's text, and no
//   quote names a rule the grammar lacks;
// * every rule has a golden file Golden/grammar/<rule>.dcl, and every golden file a rule.

import Foundation
import Testing
@testable import DCLSyntax

@Suite struct GrammarSyncTests {
    static let grammarText = Repo.read(Repo.root.appendingPathComponent("Grammar/dcl.ebnf"))

    /// A rule: its name, its text normalised (comments removed, whitespace collapsed), and
    /// whether it is in the lexical section.
    struct Rule: Equatable {
        let name: String
        let text: String
        let lexical: Bool
    }

    /// Removes `(* … *)` comments (they do not nest in EBNF).
    static func stripComments(_ s: String) -> String {
        var out = "", rest = Substring(s)
        while let open = rest.range(of: "(*") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "*)") else { return out }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    static func normalise(_ s: String) -> String {
        stripComments(s).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }

    /// Every `name = … ;` rule of the grammar, in order. A `;` inside quotes does not end a rule.
    static func rules() -> [Rule] {
        let lexicalStart = grammarText.range(of: "Lexical grammar")?.lowerBound ?? grammarText.endIndex
        let body = stripComments(String(grammarText))
        let lexicalOffset = stripComments(String(grammarText[..<lexicalStart])).count
        var rules: [Rule] = []
        let chars = Array(body)
        var i = 0
        while i < chars.count {
            // A rule starts with a name at the start of a line followed by `=`.
            guard i == 0 || chars[i - 1] == "\n", chars[i].isLetter else { i += 1; continue }
            var j = i
            while j < chars.count, chars[j].isLetter || chars[j] == "_" { j += 1 }
            let name = String(chars[i..<j])
            var k = j
            while k < chars.count, chars[k] == " " { k += 1 }
            guard k < chars.count, chars[k] == "=" else { i = j; continue }
            var quote: Character?
            var end = k
            while end < chars.count {
                let c = chars[end]
                if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == ";" { break }
                end += 1
            }
            rules.append(Rule(name: name, text: normalise(String(chars[i...min(end, chars.count - 1)])), lexical: i >= lexicalOffset))
            i = end + 1
        }
        return rules
    }

    /// The words listed after `header` in the grammar's closing comment, up to the next header.
    static func list(after header: String) -> [String] {
        guard let start = grammarText.range(of: header) else { return [] }
        var rest = grammarText[start.upperBound...]
        if let colon = rest.firstIndex(of: ":") { rest = rest[rest.index(after: colon)...] }
        let stops = ["Contextual words", "Operators and punctuation", "*)"]
        let end = stops.compactMap { rest.range(of: $0)?.lowerBound }.min() ?? rest.endIndex
        return rest[..<end].split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }

    /// `/* name = … */` quotes in Swift files (block comments nest, as Swift's do).
    static func quotes(in files: [URL]) -> [(name: String, text: String, file: String)] {
        var found: [(String, String, String)] = []
        for url in files {
            let s = Array(Repo.read(url))
            var i = 0
            while i + 1 < s.count {
                guard s[i] == "/", s[i + 1] == "*" else { i += 1; continue }
                var depth = 0, j = i
                while j + 1 < s.count {
                    if s[j] == "/", s[j + 1] == "*" { depth += 1; j += 2; continue }
                    if s[j] == "*", s[j + 1] == "/" { depth -= 1; j += 2; if depth == 0 { break }; continue }
                    j += 1
                }
                let inner = String(s[(i + 2)..<max(i + 2, j - 2)]).trimmingCharacters(in: .whitespacesAndNewlines)
                let name = inner.prefix { $0.isLetter || $0 == "_" }
                let afterName = inner.dropFirst(name.count).drop { $0 == " " }
                if !name.isEmpty, afterName.hasPrefix("= ") || afterName.hasPrefix("=\n") {
                    found.append((String(name), normalise(inner), url.lastPathComponent))
                }
                i = j
            }
        }
        return found
    }

    static var sourceFiles: [URL] {
        let dir = Repo.root.appendingPathComponent("Sources/DCLSyntax")
        let all = (FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? [])
        return all.filter { $0.pathExtension == "swift" }.sorted { $0.path < $1.path }
    }

    @Test func grammarIsFound() {
        #expect(Self.rules().count > 60)
    }

    @Test func keywordsMatchTheLexicon() {
        let table = Lexicon.table.filter { $0.lists.contains(.keyword) }.map(\.text)
        #expect(Self.list(after: "Keywords (reserved)") == table)
    }

    @Test func contextualWordsMatchTheLexicon() {
        let table = Lexicon.table.filter { $0.lists.contains(.contextual) }.map(\.text)
        #expect(Self.list(after: "Contextual words") == table)
        #expect(Set(table) == Set(ContextualWord.allCases.map(\.text)))
    }

    @Test func operatorsMatchTheLexicon() {
        // Compared as sets: the grammar lists `or and` here but `and or` among the keywords.
        let table = Lexicon.table.filter { $0.lists.contains(.operator) }.map(\.text)
        let listed = Self.list(after: "Operators and punctuation")
        #expect(listed.sorted() == table.sorted())
        #expect(Set(listed).count == listed.count)
    }

    @Test func sizeSuffixesMatchTheLexicon() {
        let rules = Dictionary(uniqueKeysWithValues: Self.rules().map { ($0.name, $0.text) })
        let quoted = { (name: String) -> [String] in
            (rules[name] ?? "").split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }
        #expect(quoted("count_suffix") + quoted("byte_suffix") + quoted("time_suffix") == Lexicon.sizeSuffixes.map(\.text))
    }

    @Test func everyRuleIsQuotedWhereItIsImplemented() {
        let parserFiles = Self.sourceFiles.filter { $0.lastPathComponent.hasPrefix("Parser") }
        let lexerFiles = Self.sourceFiles.filter { $0.lastPathComponent.hasPrefix("Lexer") }
        let parserQuotes = Self.quotes(in: parserFiles), lexerQuotes = Self.quotes(in: lexerFiles)
        for rule in Self.rules() {
            let candidates = (rule.lexical ? lexerQuotes : parserQuotes).filter { $0.name == rule.name }
            #expect(!candidates.isEmpty, "`\(rule.name)` is not quoted in \(rule.lexical ? "Lexer" : "Parser")*.swift")
            for q in candidates {
                #expect(q.text == rule.text, "the quote of `\(rule.name)` in \(q.file) differs from the grammar:\n  \(q.text)\n  \(rule.text)")
            }
        }
        let names = Set(Self.rules().map(\.name))
        for q in parserQuotes + lexerQuotes {
            #expect(names.contains(q.name), "\(q.file) quotes `\(q.name)`, which the grammar does not define")
        }
    }

    @Test func everyRuleHasAGoldenFile() {
        let golden = Set(Repo.dclFiles(under: Repo.golden.appendingPathComponent("grammar")).map { $0.deletingPathExtension().lastPathComponent })
        let names = Set(Self.rules().map(\.name))
        #expect(names.subtracting(golden).sorted() == [], "rules without a golden file")
        #expect(golden.subtracting(names).sorted() == [], "golden files without a rule")
    }
}
