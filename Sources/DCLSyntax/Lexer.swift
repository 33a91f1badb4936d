// The lexer: bytes in, tokens (with spans), comments and diagnostics out.
//
// One pass over the raw bytes with no backtracking. Problems never stop it: each is reported with
// its exact span and lexing resumes at the next byte that makes sense, emitting a token flagged
// `.malformed` where the parser would otherwise see a hole and pile a second error on the first.
// String interpolation is handled with a small stack of open `{` contexts, so the expression
// inside `"{f(x)}"` becomes ordinary tokens between `.stringBegin` and `.stringEnd`.
//
// Lexical rules quoted here come from Grammar/dcl.ebnf:
/* NEWLINE        = "\n" | "\r\n" ; */
/* EOF            = (* end of input *) ; */

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

    init(buf: UnsafeBufferPointer<UInt8>, file: FileID, diagnostics: DiagnosticEngine) {
        self.buf = buf
        self.n = buf.count
        self.fileID = file
        self.diagnostics = diagnostics
        tokens.reserveCapacity(buf.count / 4 + 16)
    }

    // MARK: Main loop

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

    func report(_ kind: SyntaxError, _ message: String, _ start: Int, _ end: Int, hint: String? = nil) {
        diagnostics.emit(.syntax(kind, message, at: span(start, end), hint: hint))
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
            for candidate in words.buckets[length &* 128 &+ Int(buf[start])] where matches(candidate.bytes, at: start) {
                emit(candidate.kind, start: start, end: pos, word: candidate.word)
                return
            }
        }
        emit(.identifier, start: start, end: pos)
    }

    @inline(__always)
    func matches(_ bytes: [UInt8], at start: Int) -> Bool {
        guard start + bytes.count <= n else { return false }
        for i in 1..<bytes.count where buf[start + i] != bytes[i] { return false }
        return true
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
        let c = buf[pos]
        guard let op = operators.byFirst[Int(c)].first(where: { matches($0.bytes, at: pos) }) else {
            lexUnexpected()
            return
        }
        let start = pos
        pos += op.bytes.count
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
