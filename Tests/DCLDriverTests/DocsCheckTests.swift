// Every ```dcl block in README.md and docs/*.md is checked, so the docs cannot drift from the
// language. A block fenced ```dcl is a complete program: it goes through what `dcl check` runs
// (static checks, then check-mode elaboration), as if it were a file in Examples/ (so data paths
// read like the examples': "data/mnist"). A block fenced ```dcl fragment is a piece of a program
// whose names are defined elsewhere: it must parse, and if an HTML comment right above it (not
// rendered) gives it a harness —
//
//     <!-- dcl harness: any note
//     import std.vision
//     let net = lenet(10)
//     -->
//     ```dcl fragment
//
// — the harness followed by the fragment is checked as a complete program.

import DCLDiagnostics
import DCLSyntax
import Foundation
import Testing
@testable import DCLDriver

/// One fenced dcl block of a markdown file.
struct DocBlock: CustomStringConvertible {
    enum Kind { case program, fragment }
    var file: String
    /// The 1-based line of the opening fence.
    var line: Int
    var kind: Kind
    var text: String
    /// For a fragment: the definitions it is checked inside, from the comment above it.
    var harness: String?
    var description: String { "\(file):\(line)" }

    /// The ```dcl blocks of `markdown`; an info string other than `dcl` or `dcl fragment` after
    /// ```dcl is an error (a misspelt marker must not silently skip a block).
    static func blocks(in markdown: String, file: String) throws -> [DocBlock] {
        var out: [DocBlock] = []
        var open: (line: Int, kind: Kind, lines: [String], harness: String?)?
        var inOtherBlock = false
        // A harness comment being read, and one just closed (it applies to the next line only).
        var harnessLines: [String]?
        var harness: String?
        for (i, raw) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if inOtherBlock {
                if line == "```" { inOtherBlock = false }
                continue
            }
            if var lines = harnessLines {
                if line == "-->" {
                    harness = lines.joined(separator: "\n") + "\n"
                    harnessLines = nil
                } else {
                    lines.append(String(raw))
                    harnessLines = lines
                }
                continue
            }
            let harnessAbove = harness
            harness = nil
            if line.hasPrefix("<!-- dcl harness") {
                harnessLines = []
                continue
            }
            if var block = open {
                if line == "```" {
                    out.append(DocBlock(file: file, line: block.line, kind: block.kind, text: block.lines.joined(separator: "\n") + "\n",
                                        harness: block.harness))
                    open = nil
                } else {
                    block.lines.append(String(raw))
                    open = block
                }
                continue
            }
            guard line.hasPrefix("```") else {
                if harnessAbove != nil { throw DocBlockError(message: "\(file):\(i): a dcl harness must be right above a ```dcl fragment") }
                continue
            }
            let info = line.dropFirst(3).split(separator: " ").map(String.init)
            guard info.first == "dcl" else {
                // Another language's block (or plain output) is skipped to its closing fence.
                inOtherBlock = true
                continue
            }
            switch Array(info.dropFirst()) {
            case [] where harnessAbove != nil:
                throw DocBlockError(message: "\(file):\(i + 1): a complete ```dcl program takes no harness; mark it ```dcl fragment")
            case []: open = (i + 1, .program, [], nil)
            case ["fragment"]: open = (i + 1, .fragment, [], harnessAbove)
            default: throw DocBlockError(message: "\(file):\(i + 1): unknown marker ```\(info.joined(separator: " ")) (use ```dcl or ```dcl fragment)")
            }
        }
        if let block = open { throw DocBlockError(message: "\(file):\(block.line): unclosed ```dcl block") }
        if harnessLines != nil { throw DocBlockError(message: "\(file): unclosed dcl harness comment") }
        return out
    }

}

struct DocBlockError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension DriverTests {
    @Suite("docs are checked") struct DocsCheck {
        static func documents() throws -> [(name: String, text: String)] {
            let docs = repositoryRoot.appendingPathComponent("docs")
            let names = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
            return try (["README.md"] + names.map { "docs/" + $0 }).map { name in
                (name, try String(contentsOf: repositoryRoot.appendingPathComponent(name), encoding: .utf8))
            }
        }

        static func allBlocks() throws -> [DocBlock] {
            try documents().flatMap { try DocBlock.blocks(in: $0.text, file: $0.name) }
        }

        @Test func everyDocBlockChecks() throws {
            let blocks = try Self.allBlocks()
            #expect(blocks.filter { $0.kind == .program }.count >= 6, "complete programs in the docs: \(blocks)")
            #expect(blocks.filter { $0.harness != nil }.count >= 5, "fragments checked in a harness: \(blocks)")
            for block in blocks {
                var failures: String
                switch block.kind {
                case .program: failures = Self.check(program: block)
                case .fragment:
                    failures = Self.parse(fragment: block)
                    if failures.isEmpty, let harness = block.harness {
                        var whole = block
                        whole.text = harness + block.text
                        failures = Self.check(program: whole)
                    }
                }
                #expect(failures.isEmpty, "\(block) (```dcl\(block.kind == .fragment ? " fragment" : "")):\n\(failures)")
            }
        }

        /// As `dcl check` does, with the block standing as a file in Examples/.
        static func check(program block: DocBlock) -> String {
            let name = block.file.replacingOccurrences(of: "/", with: "-") + "-\(block.line).dcl"
            let path = repositoryRoot.appendingPathComponent("Examples").appendingPathComponent(name).path
            let checked = Pipeline.load(path: path, text: Array(block.text.utf8))
            guard let program = checked.program else { return "could not be loaded" }
            if !checked.diagnostics.hasErrors { Pipeline.checkShapes(program, diagnostics: checked.diagnostics) }
            let errors = checked.diagnostics.sorted.filter { $0.severity == .error }
            return errors.isEmpty ? "" : DiagnosticRenderer(sources: checked.sources).render(errors)
        }

        static func parse(fragment block: DocBlock) -> String {
            let sources = SourceManager()
            let engine = DiagnosticEngine()
            _ = Parser.parse(sources.add(path: block.description, text: block.text), diagnostics: engine)
            let errors = engine.sorted.filter { $0.severity == .error }
            return errors.isEmpty ? "" : DiagnosticRenderer(sources: sources).render(errors)
        }

        /// The harness itself: both markers are read, other languages' blocks are skipped, a
        /// misspelt marker is an error, and a wrong program or fragment is reported.
        @Test func theHarnessFindsAndJudgesBlocks() throws {
            let md = """
            text
            ```dcl
            let a = 1
            ```
            ```sh
            dcl run x.dcl
            ```
            ```dcl fragment
            train net on data
            ```
            """
            let blocks = try DocBlock.blocks(in: md, file: "t.md")
            #expect(blocks.map(\.kind) == [.program, .fragment])
            #expect(blocks.map(\.line) == [2, 8])
            #expect(blocks[1].text == "train net on data\n")
            #expect(throws: DocBlockError.self) { try DocBlock.blocks(in: "```dcl fragmnet\nx\n```\n", file: "t.md") }
            // A harness applies to the fragment right below it, and only to a fragment.
            let harnessed = try DocBlock.blocks(in: "<!-- dcl harness: a note\nlet a = 1\n-->\n```dcl fragment\nprint a\n```\n", file: "t.md")
            #expect(harnessed.first?.harness == "let a = 1\n")
            #expect(throws: DocBlockError.self) { try DocBlock.blocks(in: "<!-- dcl harness\nlet a = 1\n-->\ntext\n", file: "t.md") }
            #expect(throws: DocBlockError.self) { try DocBlock.blocks(in: "<!-- dcl harness\nlet a = 1\n-->\n```dcl\nprint a\n```\n", file: "t.md") }
            #expect(throws: DocBlockError.self) { try DocBlock.blocks(in: "```dcl\nlet a = 1\n", file: "t.md") }
            #expect(Self.check(program: blocks[0]).isEmpty)
            #expect(!Self.check(program: DocBlock(file: "t.md", line: 1, kind: .program, text: "train net on data\n")).isEmpty)
            #expect(!Self.parse(fragment: DocBlock(file: "t.md", line: 1, kind: .fragment, text: "let = \n")).isEmpty)
        }
    }
}
