// Golden files (Crafting Interpreters / Wren style): each `.dcl` under Golden/ carries its own
// expectations in comments.
//
//   // ast: (let x (+ 1 2))            one line per top-level item, in order (flat AST dump)
//   // error: 3:7 E0012 message         every diagnostic, in position order (`// note:` for notes)
//
// grammar/<rule>.dcl — one per production of Grammar/dcl.ebnf; must parse without diagnostics,
//                      match its `// ast:` lines and survive formatting unchanged in meaning.
// errors/E00NN-*.dcl — one per syntax error code; the rendered diagnostics are also compared
//                      with the `.diag` snapshot beside the file.
// format/*.dcl       — formatter style; the formatted text must equal the `.fmt` snapshot.
//
// Snapshots are refreshed with DCL_UPDATE_SNAPSHOTS=1.

import DCLDiagnostics
import Foundation
import Testing
@testable import DCLSyntax

@Suite struct GoldenTests {
    static let grammarFiles = Repo.dclFiles(under: Repo.golden.appendingPathComponent("grammar"))
    static let errorFiles = Repo.dclFiles(under: Repo.golden.appendingPathComponent("errors"))
    static let formatFiles = Repo.dclFiles(under: Repo.golden.appendingPathComponent("format"))

    struct Expectations {
        var diagnostics: [String] = []
        var items: [String] = []
    }

    static func expectations(in text: String) -> Expectations {
        var e = Expectations()
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            for prefix in ["// error: ", "// note: "] where line.hasPrefix(prefix) {
                e.diagnostics.append(String(line.dropFirst(prefix.count)))
            }
            if line.hasPrefix("// ast: ") { e.items.append(String(line.dropFirst("// ast: ".count))) }
        }
        return e
    }

    @Test(arguments: grammarFiles)
    func grammar(_ url: URL) {
        let text = Repo.read(url)
        let p = Parsed(text, path: url.lastPathComponent)
        let e = Self.expectations(in: text)
        #expect(!e.items.isEmpty, "\(url.lastPathComponent) has no `// ast:` expectations")
        #expect(p.described == e.diagnostics)
        #expect(p.items == e.items)
        #expect(p.spanViolations == [])
        checkRoundTrip(text, name: url.lastPathComponent)
    }

    @Test(arguments: errorFiles)
    func errors(_ url: URL) {
        let text = Repo.read(url)
        let p = Parsed(bytes: Repo.bytes(url), path: url.lastPathComponent)
        let e = Self.expectations(in: text)
        let code = String(url.lastPathComponent.prefix(5))
        #expect(!e.diagnostics.isEmpty, "\(url.lastPathComponent) expects no diagnostics")
        #expect(e.diagnostics.contains { $0.split(separator: " ").dropFirst().first.map(String.init) == code },
                "\(url.lastPathComponent) never expects its own code \(code)")
        #expect(p.described == e.diagnostics)
        if !e.items.isEmpty { #expect(p.items == e.items) }
        #expect(p.spanViolations == [])
        #expect(Formatter.format(p.file, diagnostics: DiagnosticEngine()) == nil, "a file with errors must not be formatted")
        let rendered = DiagnosticRenderer(sources: p.sources).render(p.diagnostics)
        expectSnapshot(rendered, url.deletingPathExtension().appendingPathExtension("diag"))
    }

    @Test(arguments: formatFiles)
    func format(_ url: URL) {
        let text = Repo.read(url)
        guard let formatted = checkRoundTrip(text, name: url.lastPathComponent) else { return }
        expectSnapshot(formatted, url.deletingPathExtension().appendingPathExtension("fmt"))
    }

    @Test func everyErrorCodeHasAGoldenFile() {
        let covered = Set(Self.errorFiles.map { String($0.lastPathComponent.prefix(5)) })
        for kind in SyntaxError.allCases {
            #expect(covered.contains(kind.code), "no Golden/errors/\(kind.code)-*.dcl for \(kind)")
        }
        #expect(covered.count == SyntaxError.allCases.count, "a golden error file names an unknown code")
    }
}
