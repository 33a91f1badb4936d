// The one quoter (DCLText): each style's spelling of the same awkward text, pinned to what the
// escapers it replaced wrote (JSON renderer and safetensors header, formatter, AST dump, graph
// text, data-error messages, bundle entry names), since readers and golden files depend on it.

import DCLText
import Testing

@Suite struct QuotingTests {
    /// Quote, backslash, apostrophe, braces, \n \r \t NUL, U+0001, DEL, a C1 control (U+0085),
    /// the replacement character and a non-ASCII letter.
    let text = "a\"b\\c'{d}\n\r\t\0\u{1}\u{7F}\u{85}\u{FFFD}é"

    @Test func eachStyleSpellsTheTextAsItsReaderExpects() {
        #expect(quoted(text, .json) == #""a\"b\\c'{d}\n\r\t\u0000\u0001\#u{7F}\#u{85}\#u{FFFD}é""#)
        #expect(quoted(text, .dcl) == #""a\"b\\c'\{d\}\n\r\t\0\u{1}\u{7F}\#u{85}\#u{FFFD}é""#)
        #expect(quoted(text, .sexpr) == #""a\"b\\c'{d}\n\r\t\u{0}\u{1}\u{7f}\#u{85}\#u{FFFD}é""#)
        #expect(quoted(text, .graph) == #""a\"b\\c'{d}\n\u{d}\t\u{0}\u{1}\#u{7F}\#u{85}\#u{FFFD}é""#)
        #expect(quoted(text, .message()) == #""a\"b\c'{d}\n\r\t\u{0}\u{1}\u{7f}\#u{85}\u{fffd}é""#)
        #expect(quoted(text, .name) == #"'a"b\c'{d}\u{a}\u{d}\u{9}\u{0}\u{1}\u{7f}\u{85}\#u{FFFD}é'"#)
        #expect(quoted(text, .xml) == "\"a&quot;b\\c&apos;{d}&#10;\\u{d}&#9;\\u{0}\\u{1}\\u{7f}\\u{85}\u{FFFD}é\"")
        #expect(escaped("<a & b>", .xml) == "&lt;a &amp; b&gt;")
        #expect(escaped("\u{FFFE}", .xml) == #"\u{fffe}"#)
        #expect(quoted("a \"b\",\nc\u{1}", .csv) == "\"a \"\"b\"\",\nc\\u{1}\"")
        #expect(escaped("x{y}", .dcl) == #"x\{y\}"#)
    }

    /// `csvField`, which both `dcl run --out` and `save … to "x.csv"` write with: bare unless a
    /// reader would split, trim or mangle the text.
    @Test func csvFieldsAreQuotedOnlyWhenTheyMustBe() {
        #expect(csvField("plain text") == "plain text")
        #expect(csvField("") == "")
        #expect(csvField("a,b") == "\"a,b\"")
        #expect(csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(csvField("two\nlines") == "\"two\nlines\"")
        #expect(csvField("crlf\r\nend") == "\"crlf\r\nend\"")
        #expect(csvField("cr\rend") == "\"cr\rend\"")
        #expect(csvField("tab\there") == "\"tab\there\"")
        #expect(csvField(" edge") == "\" edge\"")
        #expect(csvField("edge ") == "\"edge \"")
        #expect(csvField("in side") == "in side")
        #expect(csvField("bell\u{7}") == "\"bell\\u{7}\"")
        #expect(csvField("é") == "é")
    }

    @Test func aLimitCutsLongTextWithAnEllipsis() {
        #expect(quoted("abcdef", QuoteStyle.name.limited(to: 3)) == "'abc…'")
        #expect(quoted("abc", QuoteStyle.name.limited(to: 3)) == "'abc'")
        #expect(quoted(String(repeating: "x", count: 100), .message()).count == 43)
    }
}
