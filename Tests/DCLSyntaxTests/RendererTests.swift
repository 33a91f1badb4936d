// The diagnostic renderer: caret placement under tabs, multi-byte and wide characters, spans
// past the end of a line or over several lines, labels, notes, colour, long lines, and JSON.
// Every case is also rendered into Snapshots/renderer.txt (DCL_UPDATE_SNAPSHOTS=1 refreshes it).

import DCLDiagnostics
import Foundation
import Testing
@testable import DCLSyntax

@Suite struct RendererTests {
    /// A diagnostic on `text` whose primary span is the first occurrence of `marker` (or a byte
    /// range), rendered without colour.
    struct Case {
        let name: String
        let text: [UInt8]
        let diagnostic: (SourceFile) -> Diagnostic
    }

    static func range(of marker: String, in text: String, occurrence: Int = 1) -> (Int, Int) {
        var from = text.startIndex
        var found = text.startIndex..<text.startIndex
        for _ in 0..<occurrence {
            guard let r = text.range(of: marker, range: from..<text.endIndex) else { break }
            found = r
            from = r.upperBound
        }
        return (text.utf8.distance(from: text.startIndex, to: found.lowerBound),
                text.utf8.distance(from: text.startIndex, to: found.upperBound))
    }

    static func at(_ f: SourceFile, _ r: (Int, Int)) -> SourceSpan { SourceSpan(file: f.id, start: r.0, end: r.1) }

    static func simple(_ name: String, _ text: String, _ marker: String, _ message: String = "something is wrong here") -> Case {
        Case(name: name, text: Array(text.utf8)) { f in .error("E0001", message, at: at(f, range(of: marker, in: text))) }
    }

    static let cases: [Case] = [
        simple("plain", "let x = 1 @ 2\n", "@"),
        simple("tab before the span", "\tlet x =\t@\n", "@"),
        simple("multi-byte text before the span", "let café = \"naïve\" @\n", "@"),
        simple("wide characters before and under the span", "let s = \"漢字\" + 漢字\n", "漢字", ),
        Case(name: "span at the end of the line", text: Array("let x = (1 +\nnext\n".utf8)) { f in
            .error("E0021", "expected an expression, found end of line", at: SourceSpan(file: f.id, start: 12, end: 12))
        },
        Case(name: "span at the end of the file", text: Array("let x = [1, 2".utf8)) { f in
            .error("E0026", "expected `]`, found end of file", at: SourceSpan(file: f.id, start: 13, end: 13))
                .withLabel(SourceSpan(file: f.id, start: 8, end: 9), "`[` opened here")
        },
        Case(name: "multi-line span", text: Array("fn f() {\n  return 1\n}\n".utf8)) { f in
            .error("E0099", "this whole function", at: SourceSpan(file: f.id, start: 0, end: 21))
        },
        Case(name: "labels before, on and after the primary line", text: Array("let a = 1\nlet b = a + c\n\n\nlet c = 2\n".utf8)) { f in
            let text = "let a = 1\nlet b = a + c\n\n\nlet c = 2\n"
            return Diagnostic(code: "E0100", message: "`c` is used before it is defined",
                              span: at(f, range(of: "c", in: text, occurrence: 1)),
                              labels: [DiagnosticLabel(at(f, range(of: "a", in: text, occurrence: 2)), "defined before"),
                                       DiagnosticLabel(at(f, range(of: "b", in: text)), "in this binding"),
                                       DiagnosticLabel(at(f, range(of: "c", in: text, occurrence: 2)), "defined here")],
                              notes: ["declarations are order-free, `let` bindings are not"],
                              hint: "move `let c = 2` above this line")
        },
        Case(name: "control characters and invalid bytes", text: [0x6C, 0x65, 0x74, 0x09, 0x01, 0xFF, 0x20, 0x40, 0x0A]) { f in
            .error("E0003", "look at the `@`", at: SourceSpan(file: f.id, start: 7, end: 8))
        },
        Case(name: "a long line is shown around the span", text: Array(("let x = [" + String(repeating: "1, ", count: 400) + "@]\n").utf8)) { f in
            .error("E0002", "unexpected character `@`", at: SourceSpan(file: f.id, start: 1209, end: 1210))
        },
        Case(name: "warning with a note", text: Array("let unused = 1\n".utf8)) { f in
            Diagnostic(code: "W0001", severity: .warning, message: "`unused` is never used",
                       span: SourceSpan(file: f.id, start: 4, end: 10), notes: ["prefix it with `_` to silence this"])
        },
        Case(name: "no place in a file", text: []) { _ in
            .error("E0900", "no input files", at: .none, hint: "pass a `.dcl` file")
        },
    ]

    static func render(_ c: Case, color: Bool = false) -> (String, String) {
        let sources = SourceManager()
        let file = sources.add(path: "case.dcl", bytes: c.text)
        let d = c.diagnostic(file)
        let r = DiagnosticRenderer(sources: sources, color: color)
        return (r.render(d), r.json(d))
    }

    @Test func snapshot() {
        var out = ""
        for c in Self.cases {
            let (text, json) = Self.render(c)
            out += "### \(c.name)\n\(text)\(json)\n\n"
        }
        expectSnapshot(out, Repo.testsDirectory.appendingPathComponent("Snapshots/renderer.txt"))
    }

    @Test func caretsLineUpUnderTabsAndWideCharacters() {
        let (tab, _) = Self.render(Self.cases[1])
        // Tabs advance to the next multiple of four columns.
        #expect(tab.contains("1 |     let x = @\n  |             ^\n"))
        let (utf8, _) = Self.render(Self.cases[2])
        #expect(utf8.hasPrefix("case.dcl:1:20: "))
        #expect(utf8.contains("1 | let café = \"naïve\" @\n  |                    ^\n"))
        let (wide, _) = Self.render(Self.cases[3])
        #expect(wide.contains("1 | let s = \"漢字\" + 漢字\n  |          ^~~~\n"))
    }

    @Test func spansPastTheEndAndOverSeveralLines() {
        let (eol, _) = Self.render(Self.cases[4])
        #expect(eol.contains("1 | let x = (1 +\n  |             ^\n"))
        let (multi, _) = Self.render(Self.cases[6])
        #expect(multi.contains("1 | fn f() {\n  | ^~~~~~~~ (continues to line 3)\n"))
    }

    @Test func labelsAreShownOnTheirLines() {
        let (text, _) = Self.render(Self.cases[7])
        #expect(text == """
        case.dcl:2:13: error[E0100]: `c` is used before it is defined
          |
        2 | let b = a + c
          |             ^
          |     - in this binding
          |         - defined before
          :
        5 | let c = 2
          |     - defined here
          = note: declarations are order-free, `let` bindings are not
          = help: move `let c = 2` above this line

        """)
    }

    @Test func longLinesAreWindowed() {
        let (text, _) = Self.render(Self.cases[9])
        let shown = text.split(separator: "\n")[2]
        #expect(shown.count < 200)
        #expect(shown.contains("@]"))
    }

    @Test func colourOnlyWhenAsked() {
        let (plain, _) = Self.render(Self.cases[0])
        let (coloured, _) = Self.render(Self.cases[0], color: true)
        #expect(!plain.contains("\u{1B}["))
        #expect(coloured.contains("\u{1B}[1;31merror[E0001]\u{1B}[0m"))
        #expect(Self.stripANSI(coloured) == plain)
    }

    static func stripANSI(_ s: String) -> String {
        var out = "", escape = false
        for ch in s {
            if ch == "\u{1B}" { escape = true; continue }
            if escape { if ch == "m" { escape = false }; continue }
            out.append(ch)
        }
        return out
    }

    @Test func json() {
        let (_, j) = Self.render(Self.cases[5])
        #expect(j == #"{"file":"case.dcl","line":1,"column":14,"end_line":1,"end_column":14,"severity":"error","code":"E0026","message":"expected `]`, found end of file","labels":[{"file":"case.dcl","line":1,"column":9,"end_line":1,"end_column":10,"message":"`[` opened here"}],"notes":[],"hint":null}"#)
        let (_, none) = Self.render(Self.cases[11])
        #expect(none == #"{"file":null,"line":null,"column":null,"end_line":null,"end_column":null,"severity":"error","code":"E0900","message":"no input files","labels":[],"notes":[],"hint":"pass a `.dcl` file"}"#)
        #expect(DiagnosticRenderer.jsonString("a\"b\\c\n\u{1}é") == #""a\"b\\c\n\u0001é""#)
        // Every line is one JSON object a standard parser accepts.
        for c in Self.cases {
            let (_, j) = Self.render(c)
            #expect((try? JSONSerialization.jsonObject(with: Data(j.utf8))) is [String: Any], "\(c.name)")
        }
    }

    @Test func summaryCountsSuppressedErrors() {
        // The lexer reports every bad character; the engine keeps the first five.
        let p = Parsed(Array(repeating: "@", count: 30).joined(separator: "\n"), errorLimit: 5)
        #expect(DiagnosticRenderer(sources: p.sources).summary(p.engine) == "30 errors (25 not shown)")
        #expect(DiagnosticRenderer(sources: p.sources).summary(DiagnosticEngine()) == nil)
    }
}
