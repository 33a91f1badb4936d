// GNU readline: line editing, history and tab completion. Readline calls back through C function
// pointers, which cannot capture context, so the little state those callbacks share lives here,
// in one place, as statics.
//
// Readline is used through its callback interface rather than `readline()`: the prompt loop
// polls standard input and the SIGINT wake-up pipe (Signals.swift) together, so Ctrl-C at the
// prompt reliably throws the line away and starts a fresh one, whichever thread the signal hit.

import CReadline
import Foundation

enum LineRead: Equatable {
    case line(String)
    /// Ctrl-C: the line was discarded (`emptyLine`: nothing had been typed on it).
    case interrupted(emptyLine: Bool)
    /// Ctrl-D on an empty line, or standard input closed.
    case endOfInput
}

enum LineEditor {
    /// At most this many lines are kept, in memory and in the history file.
    static let historyLimit: Int32 = 1000
    /// Computes completions for (line, cursor byte offset).
    static var completer: ((String, Int) -> CompletionResult)?
    private(set) static var historyPath: String?

    // Shared with the C callbacks.
    private static var finished: LineRead?
    private static var installed = false
    private static var candidates: [String] = []
    private static var nextCandidate = 0
    /// Readline keeps these pointers: allocated once, never freed.
    private static let name = UnsafePointer(strdup("dcl")!)
    private static let wordBreaks = UnsafePointer(strdup(" \t\n\"'`()[]{},;=+-*/<>|!%&")!)
    private static let noQuotes = UnsafePointer(strdup("")!)

    /// Configures readline and loads the history from `historyPath` (nil: no history file).
    static func setUp(historyPath: String?, completer: @escaping (String, Int) -> CompletionResult) {
        rl_readline_name = name
        // Ctrl-C is ours (Signals.swift); readline keeps only its SIGWINCH handling.
        rl_catch_signals = 0
        rl_completer_word_break_characters = wordBreaks
        // Otherwise a path completed right after `"` gets a closing `"`, even a directory's.
        rl_basic_quote_characters = noQuotes
        rl_attempted_completion_function = attemptCompletion
        self.completer = completer
        self.historyPath = historyPath
        using_history()
        stifle_history(historyLimit)
        if let path = historyPath {
            if FileManager.default.fileExists(atPath: path) {
                read_history(path)
            } else {
                // `append_history` appends only to a file that exists.
                FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
        }
    }

    /// Reads one line with `prompt`, waking up on Ctrl-C (`wake` becomes readable).
    static func readLine(prompt: String, wake: Int32) -> LineRead {
        finished = nil
        rl_callback_handler_install(prompt, lineHandler)
        installed = true
        defer { removeHandler() }
        while true {
            var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, wake >= 0 ? 2 : 1, -1) < 0 {
                if errno == EINTR { continue }
                return .endOfInput
            }
            if Signals.pending || (wake >= 0 && fds[1].revents != 0) {
                // Throw the line away and leave readline ready for a fresh one. `^C` goes after
                // the typed text first: the clean-up returns the cursor to the line's start.
                let emptyLine = rl_end == 0
                FileHandle.standardOutput.write(Data("^C\n".utf8))
                rl_free_line_state()
                rl_callback_sigcleanup()
                rl_replace_line("", 0)
                rl_point = 0
                rl_end = 0
                rl_mark = 0
                removeHandler()
                return .interrupted(emptyLine: emptyLine)
            }
            if fds[0].revents != 0 {
                rl_callback_read_char()
                if let line = finished { return line }
            }
        }
    }

    /// Adds a line to the history and appends it to the history file.
    static func remember(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        add_history(line)
        if let path = historyPath { append_history(1, path) }
    }

    /// Caps the history file (appending let it grow past the limit).
    static func finish() {
        if let path = historyPath { history_truncate_file(path, historyLimit) }
    }

    private static func removeHandler() {
        guard installed else { return }
        installed = false
        rl_callback_handler_remove()
    }

    /// Called by readline with a finished line (nil for end of input). It removes itself, so
    /// readline does not show the prompt again while the input runs.
    private static let lineHandler: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void = { text in
        LineEditor.finished = text.map { .line(String(cString: $0)) } ?? .endOfInput
        free(text)
        LineEditor.removeHandler()
    }

    /// Readline's completion entry point: asks `completer`, then phrases the answer relative to
    /// the word readline chose (its word breaks may differ from the completer's).
    private static let attemptCompletion: @convention(c) (UnsafePointer<CChar>?, Int32, Int32)
        -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, start, end in
        rl_attempted_completion_over = 1  // never fall back to readline's own file names
        guard let completer = LineEditor.completer, let buffer = rl_line_buffer else { return nil }
        let line = Array(UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self),
                                             count: Int(rl_end)))
        let result = completer(String(decoding: line, as: UTF8.self), Int(end))
        let wordStart = Int(start)
        LineEditor.candidates = result.candidates.compactMap { candidate in
            let c = Array(candidate.utf8)
            if result.start <= wordStart {
                let skip = wordStart - result.start
                guard c.count >= skip, c[..<skip].elementsEqual(line[result.start..<wordStart]) else { return nil }
                return String(decoding: c[skip...], as: UTF8.self)
            }
            return String(decoding: line[wordStart..<min(result.start, line.count)] + c, as: UTF8.self)
        }
        rl_completion_suppress_append = result.appendSpace ? 0 : 1
        guard !LineEditor.candidates.isEmpty else { return nil }
        return rl_completion_matches(text, candidateGenerator)
    }

    /// Hands readline the candidates one at a time (state 0 starts over), as copies it frees.
    private static let candidateGenerator: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = { _, state in
        if state == 0 { LineEditor.nextCandidate = 0 }
        guard LineEditor.nextCandidate < LineEditor.candidates.count else { return nil }
        defer { LineEditor.nextCandidate += 1 }
        return strdup(LineEditor.candidates[LineEditor.nextCandidate])
    }
}
