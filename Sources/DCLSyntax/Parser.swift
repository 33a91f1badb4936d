// The parser's state and the machinery every grammar function shares: the token cursor (which
// turns significant line breaks into virtual NEWLINE tokens), node construction, error reporting
// with panic mode, recovery, and the nesting guard.
//
// Newlines. The lexer marks each token that follows a line break (`Token.Flags.lineBreak` when
// the previous token could end an expression and this one is not `|>` or `else`). Whether such a
// break separates statements depends on where the parser is: inside `( )` and `[ ]` it never does
// (`ignoreNewlines`), inside `{ }` bodies, records and field blocks it does. Keeping that decision
// here, with the parser's own bracket context, means an unclosed `(` costs one error instead of
// turning the rest of the file into one long line.
//
// Errors. The first error in a statement sets `panic`, which silences further reports until the
// enclosing sequence resynchronises at the next statement (`synchronize`). Errors about a token
// the lexer already reported (flag `.malformed`) are silent. After `errorLimit` errors the parser
// emits one "too many errors, stopping" note and skips to the end.

import DCLDiagnostics

/// A recursive-descent parser for dcl, one function per rule of Grammar/dcl.ebnf.
public struct Parser {
    /// Lexes and parses a file. Never fails: problems go to `diagnostics`, and the program holds
    /// `.error` nodes where parts could not be parsed.
    public static func parse(_ file: SourceFile, diagnostics: DiagnosticEngine) -> Program {
        let lexed = Lexer.lex(file, diagnostics: diagnostics)
        return parse(file, lexed: lexed, diagnostics: diagnostics)
    }

    /// Parses already-lexed tokens (the benchmark times the two phases separately).
    public static func parse(_ file: SourceFile, lexed: LexedFile, diagnostics: DiagnosticEngine) -> Program {
        file.bytes.withUnsafeBufferPointer { bytes in
            var parser = Parser(file: file, lexed: lexed, bytes: bytes, diagnostics: diagnostics)
            let items = parser.parseProgram()
            return Program(file: file.id, items: items, comments: lexed.comments)
        }
    }

    let fileID: FileID
    let tokens: [Token]
    let texts: [String]
    let sizes: [SizeLiteral]
    let bytes: UnsafeBufferPointer<UInt8>
    let diagnostics: DiagnosticEngine

    /// Index of the current token.
    var index = 0
    /// The virtual newline in front of `tokens[index]` has been consumed.
    var newlineTaken = false
    /// Inside `( )` or `[ ]`: line breaks are not separators.
    var ignoreNewlines = false
    /// Inside a `cond_expr`: a `{` ends the expression instead of starting a record.
    var noRecord = false
    /// Current nesting, against `SyntaxLimits.maxNesting`.
    var depth = 0
    /// An error was reported in the current statement; stay quiet until resynchronised.
    var panic = false
    /// The error limit was reached; everything left is skipped.
    var stopped = false
    /// Recovery stopped at a token that begins a new line: no separator is needed before it.
    var resumedAtLineStart = false
    /// An unclosed bracket was reported at the end of the file (the outer ones are not).
    var reportedUnclosedAtEnd = false
    var nextID: Int32 = 0
    /// `SyntaxLimits.maxNesting`, or less on a thread with a small stack (see StackGuard).
    let depthLimit = StackGuard.depthLimit()
    /// End offset of the last real token consumed (closes node spans).
    var lastEnd = 0

    init(file: SourceFile, lexed: LexedFile, bytes: UnsafeBufferPointer<UInt8>, diagnostics: DiagnosticEngine) {
        self.fileID = file.id
        self.tokens = lexed.tokens
        self.texts = lexed.texts
        self.sizes = lexed.sizes
        self.bytes = bytes
        self.diagnostics = diagnostics
    }

    // MARK: Cursor

    /// The current token's kind as the grammar sees it (`.newline` for a significant break).
    var kind: TokenKind {
        let t = tokens[index]
        if !newlineTaken && !ignoreNewlines && t.flags.contains(.lineBreak) { return .newline }
        return t.kind
    }

    /// The current real token (never a virtual newline).
    var token: Token { tokens[index] }

    /// The real token `k` places ahead of the current one (clamped to end of file).
    func peekToken(_ k: Int) -> Token { tokens[min(index + k, tokens.count - 1)] }

    mutating func advance() {
        if kind == .newline {
            newlineTaken = true
            return
        }
        let t = tokens[index]
        guard t.kind != .eof else { return }
        lastEnd = Int(t.end)
        index += 1
        newlineTaken = false
    }

    /// Consumes the current token if it has kind `k`.
    mutating func accept(_ k: TokenKind) -> Bool {
        guard kind == k else { return false }
        advance()
        return true
    }

    func isWord(_ w: ContextualWord) -> Bool { kind == .identifier && tokens[index].word == w.rawValue }

    /// Where a node starting here begins: the current token, or just after the line's last
    /// token when the current token is a significant line break (so a placeholder for a missing
    /// operand sits inside the statement it belongs to).
    var start: Int {
        let t = tokens[index]
        return !newlineTaken && !ignoreNewlines && t.flags.contains(.lineBreak) ? lastEnd : Int(t.start)
    }

    /// The span of the current token. A virtual newline, and the end of a file that ends with a
    /// line break, are shown just after the last token (not on an empty line below it).
    var currentSpan: SourceSpan {
        let t = tokens[index]
        if kind == .newline || (t.kind == .eof && t.flags.contains(.newlineBefore) && index > 0) {
            return SourceSpan(file: fileID, start: lastEnd, end: lastEnd)
        }
        return t.span(in: fileID)
    }

    /// The span from `start` to the end of the last token consumed. A node that consumed nothing
    /// gets a zero-length span at `start`, and `lastEnd` moves there so that every enclosing node,
    /// closed later, still covers it.
    mutating func span(from start: Int) -> SourceSpan {
        if start > lastEnd { lastEnd = start }
        return SourceSpan(file: fileID, start: start, end: lastEnd)
    }

    func text(_ t: Token) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(t.start)..<Int(t.end)]), as: UTF8.self)
    }

    // MARK: Nodes

    mutating func makeID() -> NodeID {
        nextID += 1
        return NodeID(nextID)
    }

    mutating func expr(_ kind: ExprKind, from start: Int) -> Expr { Expr(id: makeID(), span: span(from: start), kind: kind) }

    mutating func stmt(_ kind: StmtKind, from start: Int) -> Stmt { Stmt(id: makeID(), span: span(from: start), kind: kind) }

    /// A zero-length span where something is missing: at the current token, or just after the
    /// line's last token when the current token is a line break. Extends `lastEnd` to it so the
    /// enclosing nodes' spans cover the placeholder.
    mutating func missingSpan() -> SourceSpan {
        let s = start
        lastEnd = max(lastEnd, s)
        return SourceSpan(file: fileID, start: s, end: s)
    }

    /// An `.error` expression at the current position (consumes nothing).
    mutating func errorExpr() -> Expr {
        Expr(id: makeID(), span: missingSpan(), kind: .error)
    }

    /// Runs `body` with newline and record rules set for a bracketed context, restoring them after.
    mutating func within<T>(ignoringNewlines: Bool, _ body: (inout Parser) -> T) -> T {
        let saved = enterBrackets(ignoringNewlines: ignoringNewlines)
        defer { leaveBrackets(saved) }
        return body(&self)
    }

    /// The newline and record rules of the enclosing context, saved on entering brackets.
    struct BracketContext {
        let ignoreNewlines: Bool
        let noRecord: Bool
    }

    /// Sets the rules for the inside of a bracket (the recursive paths use this pair rather than
    /// `within`, whose closure costs stack frames per nesting level in debug builds).
    @inline(__always)
    mutating func enterBrackets(ignoringNewlines: Bool) -> BracketContext {
        let saved = BracketContext(ignoreNewlines: ignoreNewlines, noRecord: noRecord)
        ignoreNewlines = ignoringNewlines
        noRecord = false
        return saved
    }

    @inline(__always)
    mutating func leaveBrackets(_ saved: BracketContext) {
        ignoreNewlines = saved.ignoreNewlines
        noRecord = saved.noRecord
    }

    // MARK: Errors

    /// Reports an error unless one is already pending in this statement.
    mutating func error(_ kind: SyntaxError, _ message: String, at span: SourceSpan, hint: String? = nil,
                        labels: [DiagnosticLabel] = []) {
        guard !panic, !stopped else { return }
        panic = true
        var d = Diagnostic.syntax(kind, message, at: span, hint: hint)
        d.labels = labels
        diagnostics.emit(d)
    }

    /// "expected X, found Y" about the current token (silent if the lexer already reported it).
    mutating func errorExpected(_ what: String, code: SyntaxError = .expectedToken, hint: String? = nil,
                                labels: [DiagnosticLabel] = []) {
        if kind != .newline, tokens[index].flags.contains(.malformed) {
            panic = true
            return
        }
        error(code, "expected \(what), found \(describeCurrent())", at: currentSpan,
              hint: hint ?? defaultHint(expecting: what), labels: labels)
    }

    /// How the current token is named in messages.
    func describeCurrent() -> String {
        let k = kind
        let t = tokens[index]
        switch k {
        case .newline: return "end of line"
        case .eof: return "end of file"
        case .identifier, .int, .float, .size:
            let s = text(t)
            return "`" + (s.count > 24 ? String(s.prefix(24)) + "…" : s) + "`"
        case .string, .stringBegin: return "a string"
        case .stringMiddle, .stringEnd: return "`}`"
        case .formatSpec: return "`:`"
        case .error: return "`\(text(t))`"
        default: return k.isKeyword ? "keyword `\(k.spelling)`" : "`\(k.spelling)`"
        }
    }

    func defaultHint(expecting what: String) -> String? {
        switch kind {
        case .newline where peekToken(0).kind == .lBrace && what.contains("`{`"):
            return "put the `{` on the same line"
        case .equal where what.contains("`{`"):
            return "use `==` to compare"
        default:
            return nil
        }
    }

    /// Consumes `k` or reports "expected `k`, found …".
    @discardableResult
    mutating func expect(_ k: TokenKind, hint: String? = nil) -> Bool {
        if accept(k) { return true }
        errorExpected("`\(k.spelling)`", hint: hint)
        return false
    }

    /// Consumes the closer matching `opener`, or reports it unclosed and skips to it.
    mutating func expectClosing(_ closer: TokenKind, opener: SourceSpan) {
        if accept(closer) { return }
        // Several brackets left open at the end of the file: the innermost one is reported.
        if kind == .eof {
            if reportedUnclosedAtEnd { panic = true; return }
            reportedUnclosedAtEnd = !panic
        }
        let open = closer == .rParen ? "(" : closer == .rBracket ? "[" : "{"
        errorExpected("`\(closer.spelling)` to close `\(open)`", code: .unclosedDelimiter,
                      labels: [DiagnosticLabel(opener, "`\(open)` opened here")])
        skipToClosing(closer)
    }

    // MARK: Recovery

    /// Keywords that begin a statement or declaration: a recovery point when they start a line.
    static func startsStatement(_ k: TokenKind) -> Bool {
        switch k {
        case .kwImport, .kwFn, .kwModel, .kwBlock, .kwData, .kwSplit, .kwDistill, .kwPlugin, .kwRetrieval,
             .kwRole, .kwBundle, .kwParam, .kwLet, .kwVar, .kwIf, .kwFor, .kwWhile, .kwReturn, .kwPrint, .kwTrain,
             .kwSave, .kwLoad:
            return true
        default:
            return false
        }
    }

    static func opens(_ k: TokenKind) -> Bool { k == .lParen || k == .lBracket || k == .lBrace || k == .stringBegin }
    static func closes(_ k: TokenKind) -> Bool { k == .rParen || k == .rBracket || k == .rBrace || k == .stringEnd }

    /// Steps over one real token (recovery only: ignores newline significance).
    mutating func skipToken() {
        let t = tokens[index]
        guard t.kind != .eof else { return }
        lastEnd = Int(t.end)
        index += 1
        newlineTaken = false
    }

    /// A line-start statement keyword: where to resume after an error.
    func atLineStartStatement() -> Bool {
        let t = tokens[index]
        return t.flags.contains(.newlineBefore) && Parser.startsStatement(t.kind)
    }

    /// Inside brackets, a line-start statement keyword that cannot continue their contents:
    /// probably the next statement after a missing closer. `if` can start an expression and a
    /// keyword followed by `:` is a label (`data: x`), so neither counts.
    func atLineStartStatementInBrackets() -> Bool {
        let t = tokens[index]
        return t.flags.contains(.newlineBefore) && Parser.startsStatement(t.kind) && t.kind != .kwIf
            && peekToken(1).kind != .colon
    }

    /// Skips to the statement boundary after an error: a significant line break or `;` at the
    /// current bracket depth, a `}` that closes the enclosing block, the end of the file, or a
    /// statement keyword at the start of a line (which then needs no separator).
    mutating func synchronize() {
        var balance = 0
        while true {
            if balance == 0, kind == .newline || kind == .semicolon { return }
            let t = tokens[index]
            if t.kind == .eof { return }
            if atLineStartStatement() {
                resumedAtLineStart = true
                return
            }
            if Parser.opens(t.kind) {
                balance += 1
            } else if Parser.closes(t.kind) {
                if balance == 0 {
                    if t.kind == .rBrace { return }
                } else {
                    balance -= 1
                }
            }
            skipToken()
        }
    }

    /// Skips to the closer of the current bracket (consuming it) after an error inside it.
    mutating func skipToClosing(_ closer: TokenKind) {
        var balance = 0
        while true {
            let t = tokens[index]
            if t.kind == .eof || atLineStartStatementInBrackets() { return }
            if Parser.opens(t.kind) {
                balance += 1
            } else if Parser.closes(t.kind) {
                if balance == 0 {
                    if t.kind == closer { skipToken() }
                    return
                }
                balance -= 1
            }
            skipToken()
        }
    }

    /// Skips the rest of an element of a list (to a `,` or the closer at depth 0, not consumed).
    mutating func skipToListSeparator() {
        var balance = 0
        while true {
            let t = tokens[index]
            if t.kind == .eof || atLineStartStatementInBrackets() { return }
            if balance == 0, t.kind == .comma || Parser.closes(t.kind) || kind == .newline || kind == .semicolon { return }
            if Parser.opens(t.kind) { balance += 1 } else if Parser.closes(t.kind) { balance -= 1 }
            skipToken()
        }
    }

    /// True (once) when the error limit is reached: reports it and skips to the end of the file.
    mutating func reachedErrorLimit() -> Bool {
        if stopped { return true }
        guard diagnostics.isAtLimit else { return false }
        stopped = true
        panic = true
        diagnostics.emit(.syntax(.tooManyErrors, "too many errors, stopping", at: currentSpan))
        index = tokens.count - 1
        return true
    }

    // MARK: Nesting guard

    /// Enters one level of nesting. Past the limit: reports once, skips the rest of the too-deep
    /// construct (so the levels already open can close normally) and returns false.
    @inline(__always)
    mutating func enter() -> Bool {
        if depth < depthLimit {
            depth += 1
            return true
        }
        refuseNesting()
        return false
    }

    // Error paths live in functions of their own, never inlined: their message building would
    // otherwise enlarge the stack frames of the functions that recurse once per nesting level.

    @inline(never)
    mutating func refuseNesting() {
        let message = depthLimit == SyntaxLimits.maxNesting
            ? "nesting too deep (limit \(SyntaxLimits.maxNesting))"
            : "nesting too deep for this thread's stack (limit \(depthLimit))"
        error(.nestingTooDeep, message, at: currentSpan, hint: "split the expression or block with `let` bindings or functions")
        skipNested()
    }

    /// Skips tokens up to the end of the innermost open construct: a `,`, `;`, significant line
    /// break or unmatched closer at bracket depth 0.
    mutating func skipNested() {
        var balance = 0
        while true {
            let t = tokens[index]
            if t.kind == .eof { return }
            if balance == 0 {
                if t.kind == .comma || t.kind == .semicolon || kind == .newline || t.kind == .stringMiddle
                    || t.kind == .formatSpec || Parser.closes(t.kind) { return }
            }
            if Parser.opens(t.kind) { balance += 1 } else if Parser.closes(t.kind) { balance -= 1 }
            skipToken()
        }
    }
}
