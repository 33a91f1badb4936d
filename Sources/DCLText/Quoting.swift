// The one string quoter. Every place that puts a string between quotes with escapes — JSON
// (diagnostics, safetensors headers), dcl source (the formatter), the graph IR text, the AST
// dump, user input in error messages, bundle entry names — calls `quoted(_:_:)` with its
// `QuoteStyle`. The styles differ where their readers differ, and each is pinned because
// something reads it back or golden files compare it byte for byte:
//
// | style     | quote | `"` `\` | named escapes         | other controls   | also escaped        | limit |
// |-----------|-------|---------|-----------------------|------------------|---------------------|-------|
// | json      | "     | yes     | \n \r \t              | \u00xx           |                     |       |
// | dcl       | "     | yes     | \n \t \r \0 \{ \}     | \u{XX} (upper)   | DEL                 |       |
// | sexpr     | "     | yes     | \n \t \r              | \u{xx}           | DEL                 |       |
// | graph     | "     | yes     | \n \t                 | \u{xx} (also \r) |                     |       |
// | message   | "     | `"` only| \n \r \t              | \u{xx}           | DEL, U+FFFD         | 40    |
// | name      | '     | no      |                       | \u{xx}           | DEL, C1 controls    | any   |
// | xml       | "     | entity  | & < > " ' as entities | \u{xx}           | DEL, C1, U+FFFE/F   |       |
// | csv       | "     | `""`    | \n \r \t kept as is    | \u{xx}           |                     |       |
//
// The module has no dependencies so the front end (DCLDiagnostics, DCLSyntax) and the engine
// (DCLTensor, DCLGraph), which do not import each other, can share it.

/// How `quoted` spells a string. The presets are the formats dcl writes; see the table above.
public struct QuoteStyle: Sendable {
    /// The quote character around the text.
    public var delimiter: Unicode.Scalar
    /// Whether the delimiter inside the text is escaped as `\"`.
    public var escapesDelimiter: Bool
    /// Whether `\` is escaped as `\\`.
    public var escapesBackslash: Bool
    /// Characters with a short escape (`\n`, `\{`, …), checked before the control rule.
    public var named: [Unicode.Scalar: String]
    /// How any other control character (below U+0020) is spelled.
    public var controls: ControlSpelling
    /// Characters outside U+0000–U+001F that are spelled like controls (DEL, C1, U+FFFD).
    public var alsoEscaped: @Sendable (Unicode.Scalar) -> Bool
    /// At most this many characters are quoted; a longer text ends in `…`.
    public var limit: Int?

    public enum ControlSpelling: Sendable {
        /// JSON: `\u` and four lowercase hex digits.
        case json
        /// dcl's braced form, `\u{1b}` (or `\u{1B}`).
        case braced(uppercase: Bool)
    }

    /// JSON string literals (RFC 8259 escapes; non-ASCII passes through as UTF-8).
    public static let json = QuoteStyle(delimiter: "\"", escapesDelimiter: true, escapesBackslash: true,
                                        named: ["\n": "\\n", "\r": "\\r", "\t": "\\t"], controls: .json,
                                        alsoEscaped: { _ in false }, limit: nil)

    /// dcl string literals as the formatter writes them: braces are escaped so they do not
    /// start an interpolation.
    public static let dcl = QuoteStyle(delimiter: "\"", escapesDelimiter: true, escapesBackslash: true,
                                       named: ["\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0", "{": "\\{", "}": "\\}"],
                                       controls: .braced(uppercase: true), alsoEscaped: { $0.value == 0x7F }, limit: nil)

    /// String atoms of the AST dump (`SExpr`).
    public static let sexpr = QuoteStyle(delimiter: "\"", escapesDelimiter: true, escapesBackslash: true,
                                         named: ["\n": "\\n", "\t": "\\t", "\r": "\\r"],
                                         controls: .braced(uppercase: false), alsoEscaped: { $0.value == 0x7F }, limit: nil)

    /// String attributes and names in the graph IR text, which the graph parser reads back.
    public static let graph = QuoteStyle(delimiter: "\"", escapesDelimiter: true, escapesBackslash: true,
                                         named: ["\n": "\\n", "\t": "\\t"],
                                         controls: .braced(uppercase: false), alsoEscaped: { _ in false }, limit: nil)

    /// A piece of user input inside a message, shortened to `limit` characters so a corrupt
    /// file cannot flood the terminal; binary garbage (U+FFFD) is spelled out. Backslashes pass
    /// through: the text is for reading, not for parsing back.
    public static func message(limit: Int = 40) -> QuoteStyle {
        QuoteStyle(delimiter: "\"", escapesDelimiter: true, escapesBackslash: false,
                   named: ["\n": "\\n", "\r": "\\r", "\t": "\\t"], controls: .braced(uppercase: false),
                   alsoEscaped: { $0.value == 0x7F || $0 == "\u{FFFD}" }, limit: limit)
    }

    /// A name in single quotes with control characters (C0, DEL, C1) spelled out, safe to print.
    public static let name = QuoteStyle(delimiter: "'", escapesDelimiter: false, escapesBackslash: false, named: [:],
                                        controls: .braced(uppercase: false), alsoEscaped: { (0x7F...0x9F).contains($0.value) },
                                        limit: nil)
}

extension QuoteStyle {
    /// XML text and attribute values (the SVG writer): markup characters become entities, and
    /// characters XML 1.0 forbids even as references (C0 controls but tab and newline, and
    /// U+FFFE/U+FFFF) are spelled out as text so the file always parses. DEL and C1 controls
    /// are allowed by XML but invisible, so they are spelled out too.
    public static let xml = QuoteStyle(delimiter: "\"", escapesDelimiter: false, escapesBackslash: false,
                                       named: ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;",
                                               "\t": "&#9;", "\n": "&#10;"],
                                       controls: .braced(uppercase: false),
                                       alsoEscaped: { (0x7F...0x9F).contains($0.value) || $0.value == 0xFFFE || $0.value == 0xFFFF },
                                       limit: nil)

    /// A CSV field (RFC 4180): a quote is doubled, line breaks and tabs stay as they are
    /// (inside the quotes they are data); other controls are spelled out.
    public static let csv = QuoteStyle(delimiter: "\"", escapesDelimiter: false, escapesBackslash: false,
                                       named: ["\"": "\"\"", "\n": "\n", "\r": "\r", "\t": "\t"],
                                       controls: .braced(uppercase: false), alsoEscaped: { _ in false }, limit: nil)

    /// The same style quoting at most `n` characters (then `…`).
    public func limited(to n: Int) -> QuoteStyle {
        var s = self
        s.limit = n
        return s
    }
}

/// `text` between `style`'s quotes, escaped as `style` says.
public func quoted(_ text: String, _ style: QuoteStyle) -> String {
    let d = String(style.delimiter)
    return d + escaped(text, style) + d
}

/// `text` escaped as `style` says, without the quotes (for text inside a literal, e.g. the
/// pieces of an interpolated dcl string).
public func escaped(_ text: String, _ style: QuoteStyle) -> String {
    var out = ""
    var n = 0
    for u in text.unicodeScalars {
        if let limit = style.limit, n == limit { out += "…"; break }
        n += 1
        if u == style.delimiter && style.escapesDelimiter {
            out += "\\" + String(u)
        } else if u == "\\" && style.escapesBackslash {
            out += "\\\\"
        } else if let e = style.named[u] {
            out += e
        } else if u.value < 0x20 || style.alsoEscaped(u) {
            switch style.controls {
            case .json:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            case .braced(let uppercase):
                out += "\\u{" + String(u.value, radix: 16, uppercase: uppercase) + "}"
            }
        } else {
            out.unicodeScalars.append(u)
        }
    }
    return out
}
