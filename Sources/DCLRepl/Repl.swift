// The REPL on standard input: a prompt with line editing, history and completion on a terminal;
// a plain transcript reader otherwise (`dcl repl < session.txt`: no prompts or escape codes, each
// input's result printed, exit status 1 if any input failed) — and how typed lines become inputs.
//
// When is a typed input complete? The lexer decides, so strings, interpolations and comments are
// handled exactly as the parser will see them: a `{` inside `"acc {a:.2f}"` or a `(` in a
// comment does not open anything. The input continues while a bracket is open, a block comment
// is unterminated, or the last token cannot end an expression (`|>`, `+`, `,`, `=` …) — the
// grammar's own rule for a line break that is not a separator.

import DCLDiagnostics
import DCLSyntax
import Foundation

public enum Repl {
    public static let prompt = "dcl> "
    public static let continuationPrompt = "...  "
    /// Shown after Ctrl-C on an empty prompt: Ctrl-C never ends the session, so say what does.
    static let quitHint = "(to leave: Ctrl-D or :quit)"

    /// Runs the REPL and returns its exit status. `file` is loaded first.
    public static func run(file: String?, options: ReplSession.Options,
                           environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32 {
        var options = options
        if let f = file { options.directory = URL(fileURLWithPath: f).deletingLastPathComponent().path }
        // After Ctrl-C the cursor sits after the terminal's echoed `^C` (and maybe a progress
        // bar): the first text written after it starts on a fresh line.
        var brokeLineAfterInterrupt = false
        func write(_ text: String, _ handle: FileHandle) {
            if Signals.pending, !brokeLineAfterInterrupt {
                handle.write(Data("\n".utf8))
                brokeLineAfterInterrupt = true
            }
            handle.write(Data((text + "\n").utf8))
        }
        let session = ReplSession(options: options, output: { write($0, .standardOutput) }, errors: { write($0, .standardError) })
        Signals.onClear = { brokeLineAfterInterrupt = false }
        if isatty(STDIN_FILENO) != 0 {
            return interactive(session, file: file, historyPath: historyPath(environment))
        }
        return transcript(session, file: file)
    }

    /// `DCL_HISTORY`: unset → `~/.dcl_history`; empty → no history file; else that path.
    static func historyPath(_ environment: [String: String]) -> String? {
        if let p = environment["DCL_HISTORY"] { return p.isEmpty ? nil : p }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return (home as NSString).appendingPathComponent(".dcl_history")
    }

    static func interactive(_ session: ReplSession, file: String?, historyPath: String?) -> Int32 {
        let canInterrupt = Signals.install()
        defer { if canInterrupt { Signals.uninstall() } }
        session.interruptRequested = { Signals.pending }
        LineEditor.setUp(historyPath: historyPath) { line, cursor in session.completions(line: line, cursor: cursor) }
        defer { LineEditor.finish() }
        if let f = file {
            session.load(f)
        } else {
            FileHandle.standardOutput.write(Data("dcl — :help for help, Ctrl-D to quit\n".utf8))
        }
        var pending = ""
        while !session.quitRequested {
            Signals.clear()
            switch LineEditor.readLine(prompt: pending.isEmpty ? prompt : continuationPrompt, wake: Signals.wakeDescriptor) {
            case .endOfInput:
                return 0
            case .interrupted(let emptyLine):
                if emptyLine && pending.isEmpty { FileHandle.standardOutput.write(Data((quitHint + "\n").utf8)) }
                pending = ""
            case .line(let line):
                LineEditor.remember(line)
                guard let input = accumulate(&pending, line) else { continue }
                Signals.clear()
                session.submit(input)
            }
        }
        return 0
    }

    static func transcript(_ session: ReplSession, file: String?) -> Int32 {
        var failed = false
        if let f = file { failed = !session.load(f) }
        var pending = ""
        while !session.quitRequested, let line = readLine(strippingNewline: true) {
            guard let input = accumulate(&pending, line) else { continue }
            if !session.submit(input) { failed = true }
        }
        if !pending.isEmpty, !session.quitRequested, !session.submit(pending) { failed = true }
        return failed ? 1 : 0
    }

    /// Adds a line to the input being typed; returns the input once it is complete. A blank
    /// line ends an unfinished input (its errors are then reported) and is otherwise ignored.
    static func accumulate(_ pending: inout String, _ line: String) -> String? {
        let blank = line.trimmingCharacters(in: .whitespaces).isEmpty
        if pending.isEmpty {
            if blank { return nil }
            pending = line
        } else if !blank {
            pending += "\n" + line
        }
        guard blank || !ReplSession.needsMoreInput(pending) else { return nil }
        defer { pending = "" }
        return pending
    }
}

extension ReplSession {
    /// Whether `text` needs another line before it can be run. A `:command` never does.
    public static func needsMoreInput(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.hasPrefix(":") { return false }
        let engine = DiagnosticEngine(errorLimit: 1_000)
        let lexed = Lexer.lex(SourceFile(id: FileID(0), path: "<input>", text: text), diagnostics: engine)
        if engine.diagnostics.contains(where: { $0.code == SyntaxError.unterminatedComment.rawValue }) { return true }
        var depth = 0
        var last: TokenKind?
        for t in lexed.tokens where t.kind != .eof {
            switch t.kind {
            case .lParen, .lBracket, .lBrace: depth += 1
            case .rParen, .rBracket, .rBrace: depth -= 1
            default: break
            }
            last = t.kind
        }
        if depth > 0 { return true }
        // Extra closing brackets are an error to report now, not a reason to wait.
        if depth < 0 { return false }
        // `;` separates statements: a trailing one ends the input.
        guard let l = last, l != .semicolon else { return false }
        return l.continuesLine
    }
}
