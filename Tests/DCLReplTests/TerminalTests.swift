// End to end: the real `dcl` binary on a pseudo-terminal — prompts, a multi-line definition,
// `:summary`, Tab completion, an error the session survives, Ctrl-C at the prompt and during
// training, Ctrl-D, and the history file.

import Foundation
import DCLTestScratch
import Testing

/// The `dcl` binary the terminal tests drive: `DCL_TEST_BINARY` if set (say, a release build —
/// whole-module optimisation inlines across files, which a debug build never does, so some
/// defects show only there), else the one next to this test bundle (`.build/<triple>/<config>/`),
/// or under `.build/debug`.
func dclBinary() -> String? {
    if let path = ProcessInfo.processInfo.environment["DCL_TEST_BINARY"], !path.isEmpty {
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
    var directories: [String] = []
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        directories.append((exe as NSString).deletingLastPathComponent)
    }
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        directories.append((bundle.bundlePath as NSString).deletingLastPathComponent)
    }
    directories.append((CommandLine.arguments[0] as NSString).deletingLastPathComponent)
    directories.append((repositoryRoot as NSString).appendingPathComponent(".build/debug"))
    return directories.map { ($0 as NSString).appendingPathComponent("dcl") }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

@Suite(.serialized, .ownThreads) struct TerminalTests {
    @Test(.enabled(if: PseudoTerminal.isAvailable, "no pseudo-terminal available"), .timeLimit(.minutes(5)))
    func aSessionAtATerminal() throws {
        let binary = try #require(dclBinary(), "the dcl binary was not built next to the tests")
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let history = (dir as NSString).appendingPathComponent("history")
        let digits = (repositoryRoot as NSString).appendingPathComponent("Examples/data/digits/digits.csv")
        let t = try PseudoTerminal(executable: binary, arguments: ["repl"],
                                   environment: ["TERM": "xterm", "HOME": dir, "DCL_HISTORY": history, "NO_COLOR": "1",
                                                 "PATH": "/usr/bin:/bin"])
        // Stops at the first miss: every later step would only wait out its own timeout.
        func expect(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let seen = t.expect(text)
            try #require(seen, Comment(rawValue: "\(what); the terminal showed:\n\(t.output.suffix(1500))"), sourceLocation: sourceLocation)
        }
        try expect("dcl> ", "the first prompt")

        // A multi-line definition: continuation prompts until the brace closes.
        t.send("model small {\r")
        try expect("...  ", "a continuation prompt after `{`")
        t.send("  input x: [1, 8, 8]\r")
        try expect("...  ", "still inside the braces")
        t.send("  flatten |> linear(10)\r")
        try expect("...  ", "still inside the braces")
        t.send("}\r")
        try expect("dcl> ", "the definition is complete")
        t.send(":summary small\r")
        try expect("parameters: 650 (650 trainable)", "the cost table")

        // Tab completes a name the session defined.
        try expect("dcl> ", "back at the prompt")
        t.send("let longname_for_test = 42\r")
        try expect("dcl> ", "the binding is accepted")
        t.send("longname_f\t")
        try expect("longname_for_test", "Tab completed the name")
        t.send("\r")
        try expect("42", "the completed line ran")

        // An error leaves the session usable.
        try expect("dcl> ", "back at the prompt")
        t.send("undefined_thing + 1\r")
        try expect("unknown name `undefined_thing`", "the diagnostic")
        try expect("^~~~~~~~~~~~~~~", "the caret under the input")
        t.send("longname_for_test + 1\r")
        try expect("43", "the session still works")

        // Ctrl-C at the prompt throws the line away.
        try expect("dcl> ", "back at the prompt")
        t.send("abc")
        try expect("abc", "the typed text is shown")
        t.send("\u{03}")
        try expect("^C", "the line was interrupted")
        t.send("6 * 7\r")
        try expect("42", "the next line ran alone")

        // Ctrl-C during training stops it, and the model keeps its weights.
        try expect("dcl> ", "back at the prompt")
        t.send("import std.data\r")
        try expect("dcl> ", "the import is accepted")
        t.send("let d = digits_dataset(\"\(digits)\", test: 0.2, seed: 0)\r")
        try expect("dcl> ", "the data is loaded")
        t.send("let net = small\r")
        try expect("dcl> ", "the model is built")
        t.send("train net on d.train { epochs: 100000, batch: 16 }\r")
        try expect("epoch 1/100000", "training started")
        t.send("\u{03}")
        try expect("interrupted", "training stopped")
        try expect("dcl> ", "back at the prompt after training")
        t.send("print evaluate(net, on: d.test).count\r")
        try expect("359", "the model is usable after the interrupt")

        // Ctrl-D quits with status 0 and the history file holds the inputs.
        try expect("dcl> ", "back at the prompt")
        t.send("\u{04}")
        #expect(t.waitForExit() == 0)
        let saved = try String(contentsOfFile: history, encoding: .utf8)
        #expect(saved.contains("let longname_for_test = 42"))
        #expect(saved.contains("model small {"))
    }

    @Test func aTranscriptOnAPipe() throws {
        let binary = try #require(dclBinary(), "the dcl binary was not built next to the tests")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["repl"]
        process.environment = ["DCL_HISTORY": "", "PATH": "/usr/bin:/bin"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data("let a = 20\nmodel m {\n  input x: [2]\n  linear(a)\n}\nm.output_shape\nnope\na + 1\n".utf8))
        try input.fileHandleForWriting.close()
        // Both pipes drain at once: reading standard output to its end first would deadlock
        // as soon as the child fills the standard-error pipe (a sanitizer build's leak report
        // does). The child is killed if it has not finished in 60 s.
        final class Collected: @unchecked Sendable { var data = Data() }
        let errCollected = Collected()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errCollected.data = errors.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        drained.wait()
        let err = String(decoding: errCollected.data, as: UTF8.self)
        process.waitUntilExit()
        watchdog.cancel()
        #expect(out == "[20]\n21\n")
        #expect(err.contains("unknown name `nope`"))
        #expect(!err.contains("\u{1B}"))
        #expect(process.terminationStatus == 1)
    }
}
