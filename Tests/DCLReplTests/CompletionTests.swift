// Tab completion candidates for each kind of context.

import Foundation
import Testing
@testable import DCLRepl

@Suite struct CompletionTests {
    @Test func keywordsBuiltinsAndSessionNames() {
        let (s, _) = makeSession()
        #expect(s.submit("let width_a = 1"))
        #expect(s.completions(line: "mod").candidates == ["model"])
        #expect(s.completions(line: "let c = conv").candidates.contains("conv2d"))
        let r = s.completions(line: "print width_")
        #expect(r.candidates == ["width_a"])
        #expect(r.start == 6)
        #expect(r.appendSpace)
    }

    @Test func importedNamesAndModuleNames() {
        let (s, _) = makeSession()
        #expect(s.completions(line: "import std.vi").candidates == ["std.vision"])
        #expect(s.completions(line: "import ").candidates.contains("std.nn"))
        #expect(s.submit("import std.vision"))
        #expect(s.completions(line: "let n = len").candidates.contains("lenet"))
    }

    @Test func membersOfModelsAndRecordFields() {
        let (s, _) = makeSession()
        #expect(submitAll(s, [tinyModel, "let net = tiny", "let r = {alpha: 1, beta: {gamma: 2}}"]))
        #expect(s.completions(line: "net.fe").candidates == ["net.features"])
        #expect(s.completions(line: "tiny.out").candidates == ["tiny.output_shape"])
        #expect(s.completions(line: "r.").candidates == ["r.alpha", "r.beta"])
        #expect(s.completions(line: "r.beta.g").candidates == ["r.beta.gamma"])
        // Inside a string interpolation the text is code again.
        #expect(s.completions(line: "print \"shape {net.out").candidates == ["net.output_shape"])
    }

    @Test func commandsAndTheirArguments() {
        let (s, _) = makeSession()
        #expect(s.submit(tinyModel))
        #expect(s.completions(line: ":su").candidates == [":summary"])
        #expect(s.completions(line: ":s").candidates == [":shape", ":summary", ":save"])
        #expect(s.completions(line: ":summary ti").candidates.contains("tiny"))
        #expect(s.completions(line: ":help :rel").candidates == [":reload"])
        #expect(s.completions(line: ":env x").candidates.isEmpty)
    }

    @Test func pathsInsideStringLiteralsAndFileArguments() {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        write("a", to: "data/one.csv", in: dir)
        write("b", to: "data/two-part.csv", in: dir)
        write("c", to: ".hidden", in: dir)
        let (s, _) = makeSession(directory: dir)
        let line = "let d = csv(\"da"
        let r = s.completions(line: line)
        #expect(r.candidates == ["data/"])
        #expect(r.start == line.utf8.count - 2)
        #expect(!r.appendSpace)
        #expect(s.completions(line: "let d = csv(\"data/two-p").candidates == ["data/two-part.csv"])
        #expect(s.completions(line: "let d = csv(\"").candidates == ["data/"])
        #expect(s.completions(line: "let d = csv(\".h").candidates == [".hidden"])
        // Outside a string a word is a name, not a path.
        #expect(s.completions(line: "let d = data").candidates == ["data"])
        #expect(s.completions(line: ":load \(dir)/data/o").candidates == ["\(dir)/data/one.csv"])
        #expect(s.completions(line: ":graph tiny --dot \(dir)/da").candidates == ["\(dir)/data/"])
    }

    @Test func theCursorMayBeInsideTheLine() {
        let (s, _) = makeSession()
        #expect(s.completions(line: "mod x", cursor: 3).candidates == ["model"])
    }
}
