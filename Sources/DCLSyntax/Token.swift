// Tokens: a kind, a byte range, two flags and (for literals that need it) an index into the
// lexer's side tables. Kept at 16 bytes so a 10 MB file's token array stays small and cache-friendly.
//
// Line breaks are not tokens. The lexer marks the token after a line break; the parser decides
// whether that break is a statement separator (the grammar's NEWLINE) from its own bracket
// context — so a missing `)` cannot make the lexer swallow every later line ending.

import DCLDiagnostics

/// The kind of a token. Keyword and punctuation spellings live in `Lexicon.table`.
public enum TokenKind: UInt8, Sendable, Hashable, CaseIterable {
    // Names and literals.
    case identifier, int, float, size
    /// A string with no interpolation, quotes included.
    case string
    /// `"text{` — a string whose first interpolation starts; payload is the text before `{`.
    case stringBegin
    /// `}text{` — text between two interpolations.
    case stringMiddle
    /// `}text"` — text after the last interpolation.
    case stringEnd
    /// `:.2f` — the format spec of an interpolation (payload: the spec without `:`).
    case formatSpec

    // Reserved words.
    case kwImport, kwAs, kwFn, kwModel, kwBlock, kwData, kwSplit, kwDistill, kwPlugin, kwRetrieval
    case kwRole, kwBundle, kwParam, kwLet, kwVar, kwIf, kwElse, kwFor, kwIn, kwWhile, kwReturn, kwBreak
    case kwContinue, kwPrint, kwTrain, kwSave, kwLoad, kwAnd, kwOr, kwNot, kwTrue, kwFalse, kwNone

    // Operators and punctuation.
    case pipe, equalEqual, bangEqual, less, lessEqual, greater, greaterEqual, dotDot, dotDotEqual
    case plus, minus, plusPlus, star, slash, percent, starStar
    case equal, plusEqual, minusEqual, starEqual, slashEqual
    case lParen, rParen, lBracket, rBracket, lBrace, rBrace, comma, semicolon, colon, dot, arrow

    /// A significant line break. Never produced by the lexer: the parser's cursor reports it in
    /// place of the next token when the grammar's newline rules make the break a separator.
    case newline
    case eof
    /// Text the lexer could not make sense of (already reported; the parser stays quiet about it).
    case error

    /// Whether this is a reserved word.
    public var isKeyword: Bool { rawValue >= TokenKind.kwImport.rawValue && rawValue <= TokenKind.kwNone.rawValue }

    /// Whether this is an operator or punctuation mark.
    public var isPunctuation: Bool { rawValue >= TokenKind.pipe.rawValue && rawValue <= TokenKind.arrow.rawValue }

    /// Whether a line break after this token is ignored: every operator and opening or separating
    /// punctuation mark, since none of them can end an expression (dcl.ebnf, lexical grammar).
    /// `and`, `or` and `not` are listed as operators there too.
    public var continuesLine: Bool {
        switch self {
        case .rParen, .rBracket, .rBrace: return false
        case .kwAnd, .kwOr, .kwNot: return true
        default: return isPunctuation
        }
    }

    /// How the kind is written (`model`, `|>`), or a description for classes of tokens.
    public var spelling: String {
        if let s = Lexicon.spellingByKind[Int(rawValue)] { return s }
        switch self {
        case .identifier: return "identifier"
        case .int: return "integer"
        case .float: return "number"
        case .size: return "size"
        case .string, .stringBegin, .stringMiddle, .stringEnd: return "string"
        case .formatSpec: return "format spec"
        case .newline: return "newline"
        case .eof: return "end of file"
        case .error: return "invalid token"
        default: return "\(self)"
        }
    }
}

/// The contextual words of dcl.ebnf: identifiers, except in the one place each has a meaning.
public enum ContextualWord: UInt8, Sendable, Hashable, CaseIterable {
    case input = 1, stem, features, head, on, minimizing, to, from

    /// The word as written.
    public var text: String { Lexicon.contextualText[Int(rawValue)] }
}

/// One lexical token.
public struct Token: Sendable {
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// At least one line break lies between the previous token and this one.
        public static let newlineBefore = Flags(rawValue: 1)
        /// `newlineBefore`, the previous token can end an expression, and this token is not `|>`
        /// or `else`: the break separates statements wherever newlines are significant.
        public static let lineBreak = Flags(rawValue: 2)
        /// The lexer reported a problem in this token; the parser adds no error about it.
        public static let malformed = Flags(rawValue: 4)
    }

    public var kind: TokenKind
    public var flags: Flags
    /// The contextual word this identifier spells (`ContextualWord.rawValue`), or 0.
    public var word: UInt8
    public var start: Int32
    public var end: Int32
    /// Index into `LexedFile.texts` (strings, format specs) or `LexedFile.sizes` (sizes); else -1.
    public var payload: Int32

    public init(kind: TokenKind, flags: Flags = [], word: UInt8 = 0, start: Int, end: Int, payload: Int32 = -1) {
        self.kind = kind
        self.flags = flags
        self.word = word
        self.start = Int32(truncatingIfNeeded: start)
        self.end = Int32(truncatingIfNeeded: end)
        self.payload = payload
    }

    /// The contextual word this token spells, if it is an identifier that spells one.
    public var contextual: ContextualWord? { word == 0 ? nil : ContextualWord(rawValue: word) }

    public func span(in file: FileID) -> SourceSpan { SourceSpan(file: file, start: Int(start), end: Int(end)) }
}

/// The lexer's output for one file.
public struct LexedFile: Sendable {
    /// Every token, ending with `.eof`.
    public var tokens: [Token]
    /// Decoded string pieces and format specs, indexed by `Token.payload`.
    public var texts: [String]
    /// Size literals, indexed by `Token.payload`.
    public var sizes: [SizeLiteral]
    /// Every comment, in source order.
    public var comments: [Comment]
}
