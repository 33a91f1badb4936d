// Ctrl-C as a user presses it: the real `dcl repl` binary on a pseudo-terminal, 0x03 written to
// the master side (the line discipline turns it into SIGINT for the REPL), while code runs and
// at an idle prompt. Each step has its own deadline, and the child is killed when the test ends,
// passed or not (PseudoTerminal's deinit), so a REPL that ignores Ctrl-C fails the test within
// seconds instead of hanging it.

import Foundation
import DCLTestScratch
import Testing

@Suite(.serialized, .ownThreads) struct InterruptTerminalTests {
    /// How long the prompt may take to come back after Ctrl-C. Generous for a loaded machine
    /// running a debug build; an ignored interrupt would take forever.
    static let interruptDeadline = 10.0

    /// A REPL on a fresh pty, with a throwaway history, at its first prompt.
    final class Terminal {
        let pty: PseudoTerminal
        let directory: String

        init() throws {
            let binary = try #require(dclBinary(), "the dcl binary was not built next to the tests")
            directory = temporaryDirectory()
            pty = try PseudoTerminal(executable: binary, arguments: ["repl"],
                                     environment: ["TERM": "xterm", "HOME": directory, "DCL_HISTORY": "", "NO_COLOR": "1",
                                                   "PATH": "/usr/bin:/bin"])
            try expect("dcl> ", "the first prompt")
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        /// Stops at the first miss: every later step would only wait out its own timeout.
        func expect(_ text: String, _ what: String, timeout: Double = 60, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let seen = pty.expect(text, timeout: timeout)
            try #require(seen, Comment(rawValue: "\(what); the terminal showed:\n\(pty.output.suffix(1500))"), sourceLocation: sourceLocation)
        }

        /// Types a line and waits for the next prompt.
        func run(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            pty.send(line + "\r")
            try expect("dcl> ", "the prompt after `\(line)`", sourceLocation: sourceLocation)
        }

        /// Presses Ctrl-C and checks that the running input stops with "interrupted" and the
        /// prompt returns within `interruptDeadline` seconds.
        func interruptRunningInput(sourceLocation: SourceLocation = #_sourceLocation) throws {
            let pressed = Date()
            pty.interrupt()
            try expect("interrupted", "an `interrupted` message after Ctrl-C", timeout: interruptDeadline, sourceLocation: sourceLocation)
            try expect("dcl> ", "the prompt after Ctrl-C", timeout: interruptDeadline, sourceLocation: sourceLocation)
            #expect(Date().timeIntervalSince(pressed) < InterruptTerminalTests.interruptDeadline, sourceLocation: sourceLocation)
        }

        /// Prints an integer expression and returns its value.
        func integer(_ expression: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
            pty.send("print \(expression)\r")
            let text = pty.expect(matching: "\n(-?[0-9]+)\n", timeout: 30)
            let value = try #require(text.flatMap { Int($0) },
                                     Comment(rawValue: "`print \(expression)` printed no integer; the terminal showed:\n\(pty.output.suffix(1500))"),
                                     sourceLocation: sourceLocation)
            try expect("dcl> ", "the prompt after `print \(expression)`", sourceLocation: sourceLocation)
            return value
        }
    }

    @Test(.enabled(if: PseudoTerminal.isAvailable, "no pseudo-terminal available"), .timeLimit(.minutes(2)))
    func ctrlCStopsAnEndlessLoop() throws {
        let t = try Terminal()
        try t.run("var i = 0")
        t.pty.send("while true { i += 1 }\r")
        // Let the loop run: Ctrl-C must stop code that is executing, not a line being read.
        usleep(300_000)
        try t.interruptRunningInput()
        // The assignments the loop made stay, and the session still runs code.
        let count = try t.integer("i")
        #expect(count > 0)
        // The interrupt was consumed: the next input runs to completion.
        #expect(try t.integer("i + 1") == count + 1)
    }

    @Test(.enabled(if: PseudoTerminal.isAvailable, "no pseudo-terminal available"), .timeLimit(.minutes(2)))
    func ctrlCStopsTrainingAtABatchAndKeepsAUsableModel() throws {
        let t = try Terminal()
        let data = tinyDataset(in: t.directory)
        try t.run("let d = csv(\"\(data)\", label: \"label\")")
        try t.run("model lin {\n  input x: [4]\n  linear(2)\n}")
        try t.run("let net = lin")
        try t.run("let before = evaluate(net, on: d).loss")
        t.pty.send("train net on d { epochs: 100000000, batch: 4 }\r")
        try t.expect("epoch 1/100000000", "training started")
        usleep(300_000)
        try t.interruptRunningInput()
        // The weights of the last completed step stay: the model trained, and still evaluates
        // and trains (no half-updated state, no interrupt left pending).
        #expect(try t.integer("evaluate(net, on: d).count") == 64)
        t.pty.send("print evaluate(net, on: d).loss < before\r")
        try t.expect("true", "training before Ctrl-C lowered the loss")
        try t.expect("dcl> ", "the prompt after the comparison")
        let shown = t.pty.output.count
        try t.run("train net on d { epochs: 1, batch: 4, log: \"none\" }")
        #expect(!t.pty.output.dropFirst(shown).contains("interrupted"))
    }

    @Test(.enabled(if: PseudoTerminal.isAvailable, "no pseudo-terminal available"), .timeLimit(.minutes(2)))
    func ctrlCAtAnIdlePromptNeverEndsTheSession() throws {
        let t = try Terminal()
        try t.run("var i = 41")
        // Twice on an empty line: each gives a fresh prompt and a hint on how to leave.
        t.pty.interrupt()
        try t.expect("Ctrl-D or :quit", "a hint on how to quit after Ctrl-C on an empty line", timeout: Self.interruptDeadline)
        try t.expect("dcl> ", "a fresh prompt", timeout: Self.interruptDeadline)
        t.pty.interrupt()
        try t.expect("Ctrl-D or :quit", "the hint again after a second Ctrl-C", timeout: Self.interruptDeadline)
        try t.expect("dcl> ", "a fresh prompt after the second Ctrl-C", timeout: Self.interruptDeadline)
        // The pending interrupts were forgotten: the next input runs, and Ctrl-C still works.
        #expect(try t.integer("i + 1") == 42)
        t.pty.send("while true { i += 1 }\r")
        usleep(300_000)
        try t.interruptRunningInput()
        #expect(try t.integer("i") > 41)
    }
}
