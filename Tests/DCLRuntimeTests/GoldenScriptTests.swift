// Runs every Tests/DCLRuntimeTests/Golden/*.dcl and compares what it printed and the error it
// stopped with against the annotations written in the file (GoldenScript.swift says how).
// Each file runs as `main.dcl` in its own directory, so relative paths resolve there.

import Foundation
import Testing

@Suite struct GoldenScriptTests {
    static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        return url.appendingPathComponent("Golden").path
    }()

    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".dcl") }.sorted()
    }()

    @Test func thereAreGoldenScripts() {
        #expect(Self.files.count >= 5, "no golden scripts found in \(Self.directory)")
    }

    @Test(arguments: files) func golden(_ name: String) throws {
        let text = try String(contentsOfFile: Self.directory + "/" + name, encoding: .utf8)
        let script = try GoldenScript(name: name, text: text)
        func lines(_ printed: [String]) -> [String] {
            printed.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        }
        let differences: [String]
        do {
            let run = try runScript(text, directory: Self.directory, seed: script.seed, checkMode: script.checkMode)
            differences = script.differences(output: lines(run.output), diagnostics: [], sources: run.sources)
        } catch let failure as ScriptFailure {
            differences = script.differences(output: lines(failure.output), diagnostics: failure.diagnostics, sources: failure.sources)
            if !differences.isEmpty { print(failure.rendered) }
        }
        #expect(differences.isEmpty, Comment(rawValue: "\(name):\n" + differences.joined(separator: "\n")))
    }

    /// The annotation reader itself: what it accepts, and what it refuses.
    @Test func annotationsAreRead() throws {
        let s = try GoldenScript(name: "t.dcl", text: """
        // seed: 3
        print 1           // expect: 1
        // expect: two
        let x = f(1)      // expect error[E0503]: bad
        g()               // expect label: in `g`, called here
        // expect note: a note
        // expect help: a hint
        """)
        #expect(s.seed == 3 && !s.checkMode)
        #expect(s.output == ["1", "two"])
        #expect(s.error == GoldenScript.ExpectedError(code: "E0503", message: "bad", line: 4, file: nil))
        #expect(s.labels == [GoldenScript.ExpectedLabel(line: 5, message: "in `g`, called here")])
        #expect(s.notes == ["a note"] && s.help == "a hint")
        #expect(throws: GoldenScript.FormatError.self) { try GoldenScript(name: "t.dcl", text: "// expect nothing: 1\n") }
        #expect(throws: GoldenScript.FormatError.self) { try GoldenScript(name: "t.dcl", text: "// expect error[E0001]: alone\n") }
        #expect(throws: GoldenScript.FormatError.self) { try GoldenScript(name: "t.dcl", text: "// expect note: without an error\n") }
    }
}
