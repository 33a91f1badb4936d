// When is a typed input complete? The lexer decides, so strings, interpolations and comments are
// handled exactly as the parser will see them: a `{` inside `"acc {a:.2f}"` or a `(` in a
// comment does not open anything. The input continues while a bracket is open, a block comment
// is unterminated, or the last token cannot end an expression (`|>`, `+`, `,`, `=` …) — the
// grammar's own rule for a line break that is not a separator.

import DCLDiagnostics
import DCLSyntax

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
