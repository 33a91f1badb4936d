// The lexer on its own: token kinds and spans, literal values, line-break flags, comments, and
// the exact span of every kind of lexical error.

import DCLDiagnostics
import Testing
@testable import DCLSyntax

struct Lexed {
    let file: SourceFile
    let result: LexedFile
    let engine = DiagnosticEngine()

    init(_ text: String) { self.init(bytes: Array(text.utf8)) }

    init(bytes: [UInt8]) {
        file = SourceFile(id: FileID(0), path: "t.dcl", bytes: bytes)
        result = Lexer.lex(file, diagnostics: engine)
    }

    var tokens: [Token] { Array(result.tokens.dropLast()) }
    var kinds: [TokenKind] { tokens.map(\.kind) }
    var texts: [String] { tokens.map { file.text(of: $0.span(in: file.id)) } }
    /// `code start..<end` for each diagnostic (byte offsets).
    var errors: [String] { engine.diagnostics.map { "\($0.code) \($0.span.start)..<\($0.span.end)" } }
    var messages: [String] { engine.diagnostics.map(\.message) }
}

@Suite struct LexerTests {
    @Test func everyTableEntryLexesToItsKind() {
        for entry in Lexicon.table {
            let l = Lexed(entry.text)
            #expect(l.kinds == [entry.kind], "`\(entry.text)`")
            #expect(l.tokens.first?.contextual == entry.word, "`\(entry.text)`")
            #expect(l.errors.isEmpty)
        }
    }

    @Test func maximalMunchOfOperators() {
        let l = Lexed("a|>b..=c..d**e++f->g<=h==i!=j+=k")
        #expect(l.kinds == [.identifier, .pipe, .identifier, .dotDotEqual, .identifier, .dotDot, .identifier,
                            .starStar, .identifier, .plusPlus, .identifier, .arrow, .identifier, .lessEqual,
                            .identifier, .equalEqual, .identifier, .bangEqual, .identifier, .plusEqual, .identifier])
    }

    @Test func keywordsNeedWholeWords() {
        #expect(Lexed("models iffy _if in2 input").kinds == [.identifier, .identifier, .identifier, .identifier, .identifier])
        #expect(Lexed("model if in").kinds == [.kwModel, .kwIf, .kwIn])
        #expect(Lexed("input").tokens[0].contextual == .input)
        #expect(Lexed("inputs").tokens[0].contextual == nil)
    }

    @Test func numbers() {
        let l = Lexed("0 42 1_000_000 3.25 1e3 2.5E-4 7e+2 1_0.0_1")
        #expect(l.kinds == [.int, .int, .int, .float, .float, .float, .float, .float])
        #expect(l.errors.isEmpty)
        let b = Array("1_000_000".utf8)
        b.withUnsafeBufferPointer { #expect(Lexer.intValue($0, 0, b.count) == 1_000_000) }
    }

    @Test func rangesAreNotFractions() {
        #expect(Lexed("0..10").kinds == [.int, .dotDot, .int])
        #expect(Lexed("1.5..2").kinds == [.float, .dotDot, .int])
        #expect(Lexed("x.0").kinds == [.identifier, .dot, .int])
    }

    @Test(arguments: [
        ("100k", 100_000.0, SizeUnitKind.count), ("2M", 2e6, .count), ("1.5G", 1.5e9, .count), ("3T", 3e12, .count),
        ("1.5k", 1500, .count), ("0.3k", 300, .count), ("1MiB", 1_048_576, .bytes), ("512KiB", 524_288, .bytes),
        ("4GB", 4e9, .bytes), ("1GiB", 1_073_741_824, .bytes), ("64B", 64, .bytes), ("0.5KiB", 512, .bytes),
        ("1e3k", 1e6, .count), ("2_000K", 2e6, .count), ("0.25MB", 250_000, .bytes), ("0k", 0, .count),
    ])
    func sizeLiterals(text: String, value: Double, kind: SizeUnitKind) {
        let l = Lexed(text)
        #expect(l.kinds == [.size])
        #expect(l.errors.isEmpty, "\(text): \(l.messages)")
        let s = l.result.sizes[Int(l.tokens[0].payload)]
        #expect(s.value == value)
        #expect(s.kind == kind)
        #expect(s.mantissa + s.suffix == text)
    }

    @Test(arguments: ["0.0001k", "1.5B", "0.3KiB", "1.0000001M", "0.1B"])
    func sizesMustBeWhole(text: String) {
        let l = Lexed(text)
        #expect(l.errors == ["E0010 0..<\(text.utf8.count)"])
        #expect(l.messages == ["size `\(text)` is not a whole number"])
        #expect(l.tokens[0].flags.contains(.malformed))
    }

    @Test func sizeOverflowIsReported() {
        #expect(Lexed("99999999999T").errors == ["E0010 0..<12"])
        #expect(Lexed("9223372036854775807B").errors == [])
        #expect(Lexed("9223372036854775808B").errors == ["E0010 0..<20"])
    }

    @Test func numberErrors() {
        #expect(Lexed("x = 1e").errors == ["E0009 4..<6"])
        #expect(Lexed("1e+").errors == ["E0009 0..<3"])
        #expect(Lexed("2ex").errors == ["E0009 0..<3"])
        #expect(Lexed("9223372036854775807").errors == [])
        #expect(Lexed("9223372036854775808").errors == ["E0008 0..<19"])
        #expect(Lexed("1e400").errors == ["E0008 0..<5"])
        let suffix = Lexed("10px + 1")
        #expect(suffix.errors == ["E0011 2..<4"])
        #expect(suffix.kinds == [.int, .plus, .int])
    }

    @Test func stringsAndEscapes() {
        let l = Lexed(#""a\n\t\"\\\{\}\0\u{41}\u{1F600}é""#)
        #expect(l.kinds == [.string])
        #expect(l.errors.isEmpty)
        #expect(l.result.texts[Int(l.tokens[0].payload)] == "a\n\t\"\\{}\0A😀é")
    }

    @Test func interpolationTokens() {
        let l = Lexed(#""acc {a:.2f} at {f(x: 1)}!""#)
        #expect(l.kinds == [.stringBegin, .identifier, .formatSpec, .stringMiddle, .identifier, .lParen,
                            .identifier, .colon, .int, .rParen, .stringEnd])
        #expect(l.texts == [#""acc {"#, "a", ":.2f", "} at {", "f", "(", "x", ":", "1", ")", #"}!""#])
        let pieces = l.tokens.filter { $0.payload >= 0 }.map { l.result.texts[Int($0.payload)] }
        #expect(pieces == ["acc ", ".2f", " at ", "!"])
    }

    @Test func nestedStringsAndRecordsInInterpolations() {
        let l = Lexed(#""{g("{x}")} { {a: 1}.a }""#)
        #expect(l.errors.isEmpty)
        #expect(l.kinds == [.stringBegin, .identifier, .lParen, .stringBegin, .identifier, .stringEnd, .rParen,
                            .stringMiddle, .lBrace, .identifier, .colon, .int, .rBrace, .dot, .identifier, .stringEnd])
    }

    @Test(arguments: ["", "<10", ">8.3f", "^5", ".2f", "d", "s", "%", "e", "10", ".3", "1_0.2e"])
    func validFormatSpecs(spec: String) {
        #expect(Lexer.isValidFormatSpec(Array(spec.utf8)), "`\(spec)`")
    }

    @Test(arguments: [".2x", "ff", "<<", ".", "10.", "2f5", " f"])
    func invalidFormatSpecs(spec: String) {
        #expect(!Lexer.isValidFormatSpec(Array(spec.utf8)), "`\(spec)`")
        let l = Lexed("\"{a:\(spec)}\"")
        #expect(l.errors == ["E0012 4..<\(4 + spec.utf8.count)"])
    }

    @Test func stringErrors() {
        #expect(Lexed("\"abc").errors == ["E0004 0..<1"])
        #expect(Lexed("x = \"abc\ny").errors == ["E0004 4..<5"])
        #expect(Lexed("\"a\\qb\"").errors == ["E0006 2..<4"])
        #expect(Lexed("\"a\\u{110000}\"").errors == ["E0007 2..<12"])
        #expect(Lexed("\"a\\u{D800}\"").errors == ["E0007 2..<10"])
        #expect(Lexed("\"\\u{}\"").errors == ["E0007 1..<5"])
        #expect(Lexed("\"\\u41\"").errors == ["E0007 1..<3"])
        #expect(Lexed("\"a}b\"").errors == ["E0013 2..<3"])
        #expect(Lexed("\"a{}b\"").errors == ["E0014 2..<4"])
        // An interpolation cut off by the end of the line: one error, balanced tokens.
        let cut = Lexed("\"a {f(x\nnext")
        #expect(cut.errors == ["E0004 0..<1"])
        #expect(cut.kinds == [.stringBegin, .identifier, .lParen, .identifier, .stringEnd, .identifier])
        #expect(cut.tokens[4].flags.contains(.malformed))
    }

    @Test func comments() {
        let l = Lexed("a // one\n/* two /* nested */ still */ b /**/")
        #expect(l.kinds == [.identifier, .identifier])
        #expect(l.result.comments.map(\.text) == ["// one", "/* two /* nested */ still */", "/**/"])
        #expect(l.result.comments.map(\.style) == [.line, .block, .block])
        #expect(Lexed("a /* x /* y */").errors == ["E0005 2..<4"])     // the inner one closed
        #expect(Lexed("a /* x /* y").errors == ["E0005 7..<9"])        // the innermost open one
        #expect(Lexed("/* x").errors == ["E0005 0..<2"])
    }

    @Test func lineBreakFlags() {
        // A break after a token that can end an expression separates; after an operator or
        // before `|>` / `else` it does not.
        let l = Lexed("a\nb +\nc\n|> d\n}\nelse\n(")
        let flagged = l.tokens.map { $0.flags.contains(.lineBreak) }
        #expect(l.kinds == [.identifier, .identifier, .plus, .identifier, .pipe, .identifier, .rBrace, .kwElse, .lParen])
        #expect(flagged == [false, true, false, false, false, false, true, false, true])  // `else` is no operator
        #expect(l.tokens.map { $0.flags.contains(.newlineBefore) } == [false, true, false, true, true, false, true, true, true])
        #expect(Lexed("a\r\nb").tokens[1].flags.contains(.lineBreak))
    }

    @Test func badBytes() {
        #expect(Lexed("a @ b").errors == ["E0002 2..<3"])
        #expect(Lexed("a @@$ b").errors == ["E0002 2..<5"])
        #expect(Lexed("a λ b").errors == ["E0002 2..<4"])
        #expect(Lexed("a && b").messages == ["unexpected characters `&&`"])
        #expect(Lexed("a \u{7} b").errors == ["E0003 2..<3"])
        #expect(Lexed("a \r b").errors == ["E0003 2..<3"])
        #expect(Lexed(bytes: [0x61, 0x00, 0x00, 0x62]).errors == ["E0003 1..<3"])
        #expect(Lexed(bytes: [0x61, 0x20, 0xFF, 0xFE, 0x20, 0x62]).errors == ["E0001 2..<4"])
        #expect(Lexed(bytes: [0x22, 0xC3, 0x22]).errors == ["E0001 1..<2"])                   // truncated scalar in a string
        #expect(Lexed(bytes: [0x2F, 0x2F, 0xED, 0xA0, 0x80]).errors == ["E0001 2..<5"])       // surrogate in a comment
        #expect(Lexed(bytes: [0xC0, 0xAF]).errors == ["E0001 0..<2"])                         // overlong
        // Control characters and invalid bytes are skipped like spaces; unknown characters
        // become one error token so the parser does not misread what follows.
        #expect(Lexed("a \u{1} b").kinds == [.identifier, .identifier])
        #expect(Lexed("a @ b").kinds == [.identifier, .error, .identifier])
    }

    @Test func byteOrderMarkIsSkipped() {
        let l = Lexed(bytes: [0xEF, 0xBB, 0xBF] + Array("let".utf8))
        #expect(l.kinds == [.kwLet])
        #expect(l.errors.isEmpty)
    }

    @Test func hintsForHabitsFromOtherLanguages() {
        let hints = ["!x", "a & b", "a | b", "'s'", "# c", "“q”"].map { Lexed($0).engine.diagnostics.first?.hint ?? "" }
        #expect(hints.allSatisfy { !$0.isEmpty })
    }
}
