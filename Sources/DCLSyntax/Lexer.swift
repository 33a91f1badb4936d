// The lexer: bytes in, tokens (with spans), comments and diagnostics out.
//
// One pass over the raw bytes with no backtracking. Problems never stop it: each is reported with
// its exact span and lexing resumes at the next byte that makes sense, emitting a token flagged
// `.malformed` where the parser would otherwise see a hole and pile a second error on the first.
// String interpolation is handled with a small stack of open `{` contexts, so the expression
// inside `"{f(x)}"` becomes ordinary tokens between `.stringBegin` and `.stringEnd`.
//
// Lexical rules are quoted from Grammar/dcl.ebnf above the functions that implement them.

import DCLDiagnostics

/// Turns a source file into tokens.
public struct Lexer {
    /// Lexes a whole file, reporting problems to `diagnostics`.
    public static func lex(_ file: SourceFile, diagnostics: DiagnosticEngine) -> LexedFile {
        file.bytes.withUnsafeBufferPointer { buf in
            var lexer = Lexer(buf: buf, file: file.id, diagnostics: diagnostics)
            lexer.run()
            return LexedFile(tokens: lexer.tokens, texts: lexer.texts, sizes: lexer.sizes, comments: lexer.comments)
        }
    }

    /// An interpolation `{ … }` inside a string that is still open.
    struct OpenInterpolation {
        /// Offset of the opening `"` of the string it belongs to (for "unterminated string").
        var quote: Int
        /// Brackets opened inside the interpolation and not yet closed.
        var depth: Int
    }

    let buf: UnsafeBufferPointer<UInt8>
    let n: Int
    let fileID: FileID
    let diagnostics: DiagnosticEngine
    let words = Lexicon.words
    let operators = Lexicon.operators

    var pos = 0
    var tokens: [Token] = []
    var texts: [String] = []
    var sizes: [SizeLiteral] = []
    var comments: [Comment] = []
    /// A line break was seen since the last token.
    var sawNewline = false
    /// The kind of the last token emitted (nil at the start of the file).
    var lastKind: TokenKind?
    var interpolations: [OpenInterpolation] = []
    /// Reused buffer for decoding string text.
    var scratch: [UInt8] = []
    /// How deeply strings may nest in interpolations: below the parser's depth limit (which
    /// shrinks on small stacks), so deep strings are reported here, once.
    let stringNestingLimit = min(SyntaxLimits.maxStringNesting, StackGuard.depthLimit() / 4)

    init(buf: UnsafeBufferPointer<UInt8>, file: FileID, diagnostics: DiagnosticEngine) {
        self.buf = buf
        self.n = buf.count
        self.fileID = file
        self.diagnostics = diagnostics
        tokens.reserveCapacity(buf.count / 4 + 16)
    }

    // MARK: Main loop

    /* NEWLINE        = "\n" | "\r\n" ; */
    /* EOF            = (* end of input *) ; */
    /// Line breaks become the `newlineBefore`/`lineBreak` flags of the next token; the end of
    /// the input becomes the `.eof` token.
    mutating func run() {
        // A UTF-8 byte-order mark says nothing about the program; skip it.
        if n >= 3, buf[0] == 0xEF, buf[1] == 0xBB, buf[2] == 0xBF { pos = 3 }
        while pos < n {
            let c = buf[pos]
            switch c {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                pos += 1
            case UInt8(ascii: "\n"):
                lineBreak()
                pos += 1
            case UInt8(ascii: "\r"):
                if pos + 1 < n, buf[pos + 1] == UInt8(ascii: "\n") {
                    lineBreak()
                    pos += 2
                } else {
                    skipControlCharacters()
                }
            case UInt8(ascii: "/") where pos + 1 < n && buf[pos + 1] == UInt8(ascii: "/"):
                lexLineComment()
            case UInt8(ascii: "/") where pos + 1 < n && buf[pos + 1] == UInt8(ascii: "*"):
                lexBlockComment()
            case UInt8(ascii: "\""):
                lexString()
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                lexNumber()
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
                lexWord()
            case 0..<0x20, 0x7F:
                skipControlCharacters()
            case 0x80...:
                lexNonASCII()
            default:
                lexPunctuation()
            }
        }
        if !interpolations.isEmpty { abandonInterpolations(at: n, report: true) }
        emit(.eof, start: n, end: n)
    }

    /// A line break ends every open interpolation: strings cannot span lines.
    mutating func lineBreak() {
        if !interpolations.isEmpty { abandonInterpolations(at: pos, report: true) }
        sawNewline = true
    }

    // MARK: Emitting

    mutating func emit(_ kind: TokenKind, start: Int, end: Int, payload: Int32 = -1, word: UInt8 = 0, malformed: Bool = false) {
        var flags: Token.Flags = malformed ? .malformed : []
        if sawNewline {
            flags.insert(.newlineBefore)
            if let last = lastKind, !last.continuesLine, kind != .pipe, kind != .kwElse { flags.insert(.lineBreak) }
            sawNewline = false
        }
        tokens.append(Token(kind: kind, flags: flags, word: word, start: start, end: end, payload: payload))
        lastKind = kind
    }

    mutating func addText(_ s: String) -> Int32 {
        texts.append(s)
        return Int32(texts.count - 1)
    }

    func span(_ start: Int, _ end: Int) -> SourceSpan { SourceSpan(file: fileID, start: start, end: end) }

    /// Reports a problem. Past the error limit only the count matters, so the message is not
    /// built (a 10 MB line of garbage would otherwise format millions of them).
    func report(_ kind: SyntaxError, _ message: @autoclosure () -> String, _ start: Int, _ end: Int,
                hint: @autoclosure () -> String? = nil) {
        if diagnostics.isAtLimit {
            diagnostics.emit(.syntax(kind, "", at: span(start, end)))
            return
        }
        diagnostics.emit(.syntax(kind, message(), at: span(start, end), hint: hint()))
    }

    /// Source text for messages, shortened if long.
    func excerpt(_ start: Int, _ end: Int, limit: Int = 24) -> String {
        let e = min(end, start + limit)
        let s = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<e]), as: UTF8.self)
        return e < end ? s + "…" : s
    }

    // MARK: Words and punctuation

    /* IDENT          = letter { letter | digit } ; */
    /* letter         = "A" | … | "Z" | "a" | … | "z" | "_" ; */
    /* digit          = "0" | … | "9" ; */
    mutating func lexWord() {
        let start = pos
        pos += 1
        while pos < n, Lexer.isWordByte(buf[pos]) { pos += 1 }
        let length = pos - start
        if length <= Lexicon.WordTable.maxLength {
            let bucket = length &* 128 &+ Int(buf[start])
            var i = Int(words.bucketStart[bucket])
            let end = Int(words.bucketStart[bucket + 1])
            while i < end {
                let candidate = words.candidates[i]
                if matchesWord(at: start, length: length, offset: Int(candidate.offset)) {
                    emit(candidate.kind, start: start, end: pos, word: candidate.word)
                    return
                }
                i += 1
            }
        }
        emit(.identifier, start: start, end: pos)
    }

    /// The word at `start` equals the table's bytes at `offset` (first bytes already equal).
    @inline(__always)
    func matchesWord(at start: Int, length: Int, offset: Int) -> Bool {
        var k = 1
        while k < length {
            if buf[start + k] != words.bytes[offset + k] { return false }
            k += 1
        }
        return true
    }

    /// The operator matching the bytes at `position`, longest first.
    @inline(__always)
    func matchOperator(at position: Int) -> Lexicon.OperatorTable.Candidate? {
        let c = Int(buf[position])
        guard c < 128 else { return nil }
        var i = Int(operators.start[c])
        let end = Int(operators.start[c + 1])
        while i < end {
            let op = operators.candidates[i]
            if op.length == 1 { return op }
            if position + 1 < n, buf[position + 1] == op.b1,
               op.length == 2 || (position + 2 < n && buf[position + 2] == op.b2) {
                return op
            }
            i += 1
        }
        return nil
    }

    @inline(__always)
    static func isWordByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    mutating func lexPunctuation() {
        guard let op = matchOperator(at: pos) else {
            lexUnexpected()
            return
        }
        let start = pos
        pos += Int(op.length)
        if !interpolations.isEmpty {
            switch op.kind {
            case .lParen, .lBracket, .lBrace:
                interpolations[interpolations.count - 1].depth += 1
            case .rBrace where interpolations[interpolations.count - 1].depth == 0:
                // The `}` that closes an interpolation: back to the string's text.
                let open = interpolations.removeLast()
                scanStringText(tokenStart: start, quote: open.quote, first: false)
                return
            case .rParen, .rBracket, .rBrace:
                let d = interpolations[interpolations.count - 1].depth
                interpolations[interpolations.count - 1].depth = max(0, d - 1)
            case .colon where interpolations[interpolations.count - 1].depth == 0:
                lexFormatSpec(colon: start)
                return
            default:
                break
            }
        }
        emit(op.kind, start: start, end: pos)
    }
}
