// The words and symbols of dcl, in one table. Everything else — keyword lookup in the lexer,
// operator matching, token spellings in messages, the formatter's spacing, the grammar-sync test —
// is derived from `Lexicon.table`, so adding a keyword is one line here plus its line in
// Grammar/dcl.ebnf (the test fails until both agree).

/// The vocabulary of the language.
public enum Lexicon {
    /// Which list of dcl.ebnf's lexical section an entry belongs to. `and`, `or` and `not` are in
    /// both the keyword and the operator list there, so an entry may be in two.
    public struct Lists: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let keyword = Lists(rawValue: 1)
        public static let contextual = Lists(rawValue: 2)
        public static let `operator` = Lists(rawValue: 4)
    }

    public struct Entry: Sendable {
        public let text: String
        /// The token kind (`.identifier` for contextual words).
        public let kind: TokenKind
        public let word: ContextualWord?
        public let lists: Lists
    }

    private static func kw(_ t: String, _ k: TokenKind, _ l: Lists = .keyword) -> Entry { Entry(text: t, kind: k, word: nil, lists: l) }
    private static func cw(_ w: ContextualWord, _ t: String) -> Entry { Entry(text: t, kind: .identifier, word: w, lists: .contextual) }
    private static func op(_ t: String, _ k: TokenKind) -> Entry { Entry(text: t, kind: k, word: nil, lists: .operator) }

    /// The table. Order within a list follows dcl.ebnf.
    public static let table: [Entry] = [
        kw("import", .kwImport), kw("as", .kwAs), kw("fn", .kwFn), kw("model", .kwModel),
        kw("block", .kwBlock), kw("data", .kwData), kw("split", .kwSplit), kw("distill", .kwDistill),
        kw("plugin", .kwPlugin), kw("retrieval", .kwRetrieval), kw("role", .kwRole), kw("bundle", .kwBundle),
        kw("param", .kwParam),
        kw("let", .kwLet), kw("var", .kwVar), kw("if", .kwIf), kw("else", .kwElse), kw("for", .kwFor),
        kw("in", .kwIn), kw("while", .kwWhile), kw("return", .kwReturn), kw("break", .kwBreak),
        kw("continue", .kwContinue), kw("print", .kwPrint), kw("train", .kwTrain), kw("save", .kwSave),
        kw("load", .kwLoad),
        kw("and", .kwAnd, [.keyword, .operator]), kw("or", .kwOr, [.keyword, .operator]),
        kw("not", .kwNot, [.keyword, .operator]),
        kw("true", .kwTrue), kw("false", .kwFalse), kw("none", .kwNone),

        cw(.input, "input"), cw(.stem, "stem"), cw(.features, "features"), cw(.head, "head"),
        cw(.on, "on"), cw(.minimizing, "minimizing"), cw(.to, "to"), cw(.from, "from"),

        op("|>", .pipe), op("==", .equalEqual), op("!=", .bangEqual), op("<", .less), op("<=", .lessEqual),
        op(">", .greater), op(">=", .greaterEqual), op("..", .dotDot), op("..=", .dotDotEqual),
        op("+", .plus), op("-", .minus), op("++", .plusPlus), op("*", .star), op("/", .slash),
        op("%", .percent), op("**", .starStar), op("=", .equal), op("+=", .plusEqual),
        op("-=", .minusEqual), op("*=", .starEqual), op("/=", .slashEqual),
        op("(", .lParen), op(")", .rParen), op("[", .lBracket), op("]", .rBracket), op("{", .lBrace),
        op("}", .rBrace), op(",", .comma), op(";", .semicolon), op(":", .colon), op(".", .dot),
        op("->", .arrow),
    ]

    /// Size suffixes (dcl.ebnf `count_suffix` and `byte_suffix`) and their multipliers.
    public static let sizeSuffixes: [(text: String, kind: SizeUnitKind, scale: SizeScale)] = [
        ("k", .count, .decimal(3)), ("K", .count, .decimal(3)), ("M", .count, .decimal(6)),
        ("G", .count, .decimal(9)), ("T", .count, .decimal(12)),
        ("B", .bytes, .decimal(0)), ("KB", .bytes, .decimal(3)), ("MB", .bytes, .decimal(6)),
        ("GB", .bytes, .decimal(9)), ("KiB", .bytes, .binary(10)), ("MiB", .bytes, .binary(20)),
        ("GiB", .bytes, .binary(30)),
        ("ms", .duration, .seconds(0.001)), ("s", .duration, .seconds(1)), ("min", .duration, .seconds(60)),
        ("h", .duration, .seconds(3600)),
    ]

    /// A suffix's multiplier: a power of ten or a power of two (whole sizes), or seconds per
    /// unit (durations, which may be fractional: `1.5s`).
    public enum SizeScale: Sendable, Equatable { case decimal(Int), binary(Int), seconds(Double) }

    // MARK: Derived lookups

    /// Spelling of each keyword and punctuation kind, indexed by `TokenKind.rawValue`.
    static let spellingByKind: [String?] = {
        var s = [String?](repeating: nil, count: TokenKind.allCases.count)
        for e in table where e.kind != .identifier { s[Int(e.kind.rawValue)] = e.text }
        return s
    }()

    /// Text of each contextual word, indexed by `ContextualWord.rawValue` (0 unused).
    static let contextualText: [String] = {
        var s = [String](repeating: "", count: ContextualWord.allCases.count + 1)
        for e in table { if let w = e.word { s[Int(w.rawValue)] = e.text } }
        return s
    }()

    /// Words (keywords and contextual words) bucketed by length and first byte, for the lexer.
    /// Flat arrays of plain values, so a lookup touches no reference counts.
    struct WordTable: Sendable {
        struct Candidate: Sendable {
            /// Offset of the word's bytes in `bytes`.
            let offset: Int32
            let kind: TokenKind
            let word: UInt8
        }
        static let maxLength = 16
        /// For bucket `length * 128 + firstByte`: the range of its candidates in `candidates`.
        var bucketStart: [Int32]
        var candidates: [Candidate] = []
        var bytes: [UInt8] = []

        init() {
            var buckets = Array(repeating: [(Int32, TokenKind, UInt8)](), count: (Self.maxLength + 1) * 128)
            var pool: [UInt8] = []
            for e in Lexicon.table where !e.lists.isDisjoint(with: [.keyword, .contextual]) {
                let b = Array(e.text.utf8)
                precondition(b.count <= Self.maxLength)
                buckets[b.count * 128 + Int(b[0])].append((Int32(pool.count), e.kind, e.word?.rawValue ?? 0))
                pool += b
            }
            bytes = pool
            bucketStart = [0]
            for bucket in buckets {
                candidates += bucket.map { Candidate(offset: $0.0, kind: $0.1, word: $0.2) }
                bucketStart.append(Int32(candidates.count))
            }
        }
    }

    /// Operators by first byte, longest first, for maximal munch; flat like `WordTable`.
    struct OperatorTable: Sendable {
        struct Candidate: Sendable {
            let b1: UInt8, b2: UInt8
            let length: UInt8
            let kind: TokenKind
        }
        /// For first byte `c`: the range of its candidates in `candidates`.
        var start: [Int32]
        var candidates: [Candidate] = []

        init() {
            var byFirst = Array(repeating: [Candidate](), count: 128)
            for e in Lexicon.table where e.lists.contains(.operator) && e.kind.isPunctuation {
                let b = Array(e.text.utf8)
                precondition(b.count <= 3)
                byFirst[Int(b[0])].append(Candidate(b1: b.count > 1 ? b[1] : 0, b2: b.count > 2 ? b[2] : 0,
                                                    length: UInt8(b.count), kind: e.kind))
            }
            start = [0]
            for list in byFirst {
                candidates += list.sorted { $0.length > $1.length }
                start.append(Int32(candidates.count))
            }
        }
    }

    static let words = WordTable()
    static let operators = OperatorTable()

    /// The keyword spelled by `text`, if any.
    public static func keyword(_ text: String) -> TokenKind? {
        table.first { $0.text == text && $0.lists.contains(.keyword) }?.kind
    }
}
