// The formatter: its contract on every program we have (samples, examples, the standard library,
// the benchmark program — globbed at test time so files added later are covered), and the
// canonical style on small cases.

import DCLDiagnostics
import Foundation
import DCLBench
import Testing
@testable import DCLSyntax

@Suite struct FormatterTests {
    static let corpus = Repo.validPrograms

    @Test(arguments: corpus)
    func roundTrip(_ url: URL) {
        checkRoundTrip(Repo.read(url), name: Repo.relative(url))
    }

    /// The samples' trees, pinned: a parser change that alters how a realistic program reads
    /// shows up as a diff of Samples/*.ast (refresh with DCL_UPDATE_SNAPSHOTS=1 after review).
    @Test(arguments: Repo.dclFiles(under: Repo.samples))
    func sampleTrees(_ url: URL) {
        let p = Parsed(Repo.read(url), path: url.lastPathComponent)
        #expect(p.described == [])
        expectSnapshot(p.dump + "\n", url.deletingPathExtension().appendingPathExtension("ast"))
    }

    @Test func corpusIsNotEmpty() {
        #expect(Self.corpus.count >= 4)
    }

    @Test func benchmarkProgramIsCanonical() {
        let text = BenchmarkSource.program(lines: 300)
        let formatted = checkRoundTrip(text, name: "benchmark")
        #expect(formatted == text, "the generated benchmark program should already be formatted")
    }

    func fmt(_ text: String) -> String {
        let p = Parsed(text)
        #expect(p.described == [], "\(text)")
        return SourceFormatter.format(p.program, source: p.file)
    }

    @Test(arguments: [
        ("let  x=1+2*3", "let x = 1 + 2 * 3\n"),
        ("print a,b ,c", "print a, b, c\n"),
        ("x|>f|>g(1,2,)", "x |> f |> g(1, 2)\n"),
        ("let r = [1,2,3,]", "let r = [1, 2, 3]\n"),
        ("let q = [ x*2 for x in xs if x>0 ]", "let q = [x * 2 for x in xs if x > 0]\n"),
        ("let r={a:1,b:2}", "let r = { a: 1, b: 2 }\n"),
        ("let e = { }", "let e = {}\n"),
        ("f( )", "f()\n"),
        ("let n = 0 .. 10", "let n = 0..n\n".replacingOccurrences(of: "n\n", with: "10\n")),
        ("let v = - - x", "let v = - -x\n"),
        ("let v = + + x", "let v = + +x\n"),
        ("let v = not  not x", "let v = not not x\n"),
        ("let s = \"a\\u{41}\\t{x :.2f}\"", "let s = \"aA\\t{x:.2f}\"\n"),
        ("let big = 1_000_000 + 1e-3 + 1.5k", "let big = 1_000_000 + 1e-3 + 1.5k\n"),
        ("a; b;; c", "a\nb\nc\n"),
        ("if a {x} else if b {y} else {z}", "if a {\n  x\n} else if b {\n  y\n} else {\n  z\n}\n"),
        ("let v = if a {1} else {2}", "let v = if a { 1 } else { 2 }\n"),
        ("model m{}", "model m {}\n"),
        ("fn f(a:int=1,b)->list[ int ]{return a}", "fn f(a: int = 1, b) -> list[int] {\n  return a\n}\n"),
        ("block b()(x,y){return x}", "block b()(x, y) {\n  return x\n}\n"),
        ("role r[2]{a:1;b{c:2}}", "role r[2] { a: 1, b { c: 2 } }\n"),
        ("role r {\na: 1 }", "role r {\n  a: 1\n}\n"),
        ("import std . vision   as   v", "import std.vision as v\n"),
    ])
    func canonicalStyle(input: String, expected: String) {
        #expect(fmt(input) == expected)
    }

    @Test func blankLines() {
        // At most one blank line between statements; one around every top-level declaration.
        #expect(fmt("let a = 1\n\n\n\nlet b = 2\nlet c = 3\ndata d = x\nlet e = 4\n")
                == "let a = 1\n\nlet b = 2\nlet c = 3\n\ndata d = x\n\nlet e = 4\n")
        // None after an opening brace or before a closing one.
        #expect(fmt("fn f() {\n\n  a\n\n\n  b\n\n}") == "fn f() {\n  a\n\n  b\n}\n")
    }

    @Test func longCallsBreakOneArgumentPerLine() {
        let long = "let m = vertical(resnet(depth: 8, width: 64, classes: classes), device_width: 1 / 8, fuse: sum, extra: 1)"
        #expect(fmt(long) == """
        let m = vertical(
          resnet(depth: 8, width: 64, classes: classes),
          device_width: 1 / 8,
          fuse: sum,
          extra: 1,
        )

        """)
    }

    @Test func longPipelinesBreakBeforeEachStage() {
        let long = "h = x |> conv2d(c, 3, pad: 1) |> batchnorm |> relu |> conv2d(c, 3, pad: 1) |> batchnorm |> relu |> dropout(0.5)"
        #expect(fmt(long) == """
        h = x
          |> conv2d(c, 3, pad: 1)
          |> batchnorm
          |> relu
          |> conv2d(c, 3, pad: 1)
          |> batchnorm
          |> relu
          |> dropout(0.5)

        """)
    }

    @Test func longOperatorChainsBreakAfterOperators() {
        let terms = (1...12).map { "term_number_\($0)" }.joined(separator: " + ")
        let out = fmt("let total = \(terms)")
        #expect(out.split(separator: "\n").allSatisfy { $0.count <= 100 })
        #expect(out.split(separator: "\n").dropLast().allSatisfy { $0.hasSuffix(" +") || $0.hasSuffix("=") || $0.hasSuffix("+") })
        checkRoundTrip(out, name: "chain")
    }

    @Test func linesStayWithinTheWidthWherePossible() {
        for url in Self.corpus {
            let p = Parsed(Repo.read(url))
            let out = SourceFormatter.format(p.program, source: p.file)
            for line in out.split(separator: "\n") where line.count > 100 {
                // Only unbreakable content (a long string or comment) may exceed the width.
                #expect(line.contains("\"") || line.contains("//"), "\(Repo.relative(url)): \(line)")
            }
        }
    }

    /// Cases the fuzzer found: each must satisfy the formatter's contract.
    @Test(arguments: [
        "block pass(// c\n )(x) { return x }",
        "print \"{ {k/* b */ : 2}.k }\"",
        "evaluate(m, on: d.// c\n test, data: x)",
        "f(// c\n)",
        "let v = f(if a { very_long_name_number_one } else { very_long_name_number_two }, another_long_argument_x)",
        "import /* multi\n line */std./**/vision as v",
        "role r {\n  budget/* multi\n line */ { /* x */  memory: 512KiB }\n}",
        "print \"{a}{ /* x */  {k: 2/* multi\n line */}.k } {\"nested {/* c */b}\"}\"",
        "print \"{evaluate(adaptive, on: device.test, per:/* multi\n line */ client):.2%}\"",
        "model m {\n  stem/* multi\n line */ {/* multi\n line */ a }\n  /**/head { c }\n}",
        "if a /* multi\n line */{//\n\n  print 1\n} else if b {\n  print 2\n}\nelse {\n  print 3\n} /* x */ \n",
    ])
    func fuzzFindings(text: String) {
        checkRoundTrip(text, name: text)
    }

    @Test func refusesFilesWithErrors() {
        let sources = SourceManager()
        let file = sources.add(path: "bad.dcl", text: "let x = (1\n")
        let engine = DiagnosticEngine()
        #expect(SourceFormatter.format(file, diagnostics: engine) == nil)
        #expect(engine.errorCount == 1)
    }

    @Test func lineEndingsAndByteOrderMark() {
        let p = Parsed(bytes: [0xEF, 0xBB, 0xBF] + Array("let a = 1\r\nlet b = 2\r\n".utf8))
        #expect(SourceFormatter.format(p.program, source: p.file) == "let a = 1\nlet b = 2\n")
    }
}
