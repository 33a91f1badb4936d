// String literals: text with escapes, and `{expr:format}` interpolations.
//
// `"acc {a:.2f} at {n}"` lexes as
//     stringBegin("acc ")  a  formatSpec(".2f")  stringMiddle(" at ")  n  stringEnd("")
// so the parser reads the embedded expressions as ordinary tokens. The decoded text of each piece
// goes to `texts`; the tokens keep their source spans. A string that cannot close (end of line or
// file) still produces a balanced sequence, with `.malformed` tokens, so the parser stays calm.

import DCLDiagnostics

extension Lexer {
    /* STRING         = '"' { string_char | escape | interpolation } '"' ; */
    /* string_char    = (* any character except '"', "\", "{", "}" and a newline *) ; */
    mutating func lexString() {
        let quote = pos
        pos += 1
        scanStringText(tokenStart: quote, quote: quote, first: true)
    }

    /// Scans text from `pos` to the closing quote or the next interpolation and emits its token.
    /// `first`: this piece starts at the opening quote (else it starts at an interpolation's `}`).
    mutating func scanStringText(tokenStart: Int, quote: Int, first: Bool) {
        scratch.removeAll(keepingCapacity: true)
        var malformed = false
        while true {
            let runStart = pos
            while pos < n {
                let c = buf[pos]
                if c < 0x20 || c >= 0x7F || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\")
                    || c == UInt8(ascii: "{") || c == UInt8(ascii: "}") { break }
                pos += 1
            }
            if pos > runStart { scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<pos])) }

            if pos >= n || buf[pos] == UInt8(ascii: "\n") || (buf[pos] == UInt8(ascii: "\r") && pos + 1 < n && buf[pos + 1] == UInt8(ascii: "\n")) {
                // The outermost string's quote is the one to show; report once per broken line.
                let outer = interpolations.first?.quote ?? quote
                report(.unterminatedString, "unterminated string", outer, outer + 1,
                       hint: "strings end on the line they start; write `\\n` for a line break")
                emit(first ? .string : .stringEnd, start: tokenStart, end: pos, payload: addText(decodedScratch()), malformed: true)
                if !interpolations.isEmpty { abandonInterpolations(at: pos) }
                return
            }
            let c = buf[pos]
            switch c {
            case UInt8(ascii: "\""):
                pos += 1
                emit(first ? .string : .stringEnd, start: tokenStart, end: pos, payload: addText(decodedScratch()), malformed: malformed)
                return
            case UInt8(ascii: "\\"):
                if !lexEscape() { malformed = true }
            case UInt8(ascii: "{"):
                if pos + 1 < n, buf[pos + 1] == UInt8(ascii: "}") {
                    report(.emptyInterpolation, "empty interpolation `{}`", pos, pos + 2,
                           hint: "put an expression between the braces, or write `\\{\\}` for literal braces")
                    scratch.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")])
                    pos += 2
                    malformed = true
                    continue
                }
                if interpolations.count >= stringNestingLimit {
                    report(.nestingTooDeep, "nesting too deep (limit \(stringNestingLimit) strings)", pos, pos + 1,
                           hint: "strings nested in interpolations nest like brackets")
                    emit(first ? .string : .stringEnd, start: tokenStart, end: pos, payload: addText(decodedScratch()), malformed: true)
                    abandonInterpolations(at: pos)
                    skipRestOfLine()
                    return
                }
                pos += 1
                emit(first ? .stringBegin : .stringMiddle, start: tokenStart, end: pos, payload: addText(decodedScratch()), malformed: malformed)
                interpolations.append(OpenInterpolation(quote: quote, depth: 0))
                return
            case UInt8(ascii: "}"):
                report(.unmatchedBraceInString, "unmatched `}` in string", pos, pos + 1, hint: "write `\\}` for a literal brace")
                scratch.append(c)
                pos += 1
                malformed = true
            case UInt8(ascii: "\t"):
                scratch.append(c)
                pos += 1
            case 0x80...:
                let s = pos
                if !skipScalarOrInvalid() { malformed = true }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buf[s..<pos]))
            default:  // control characters
                skipControlCharacters()
                malformed = true
            }
        }
    }

    func decodedScratch() -> String { String(decoding: scratch, as: UTF8.self) }

    /// Closes every open interpolation at `offset` after a string broke off: each gets a
    /// zero-length `.stringEnd` so the parser sees balanced strings.
    mutating func abandonInterpolations(at offset: Int, report unterminated: Bool = false) {
        if unterminated, let outer = interpolations.first {
            report(.unterminatedString, "unterminated string", outer.quote, outer.quote + 1,
                   hint: "strings end on the line they start; write `\\n` for a line break")
        }
        while !interpolations.isEmpty {
            interpolations.removeLast()
            emit(.stringEnd, start: offset, end: offset, payload: addText(""), malformed: true)
        }
    }

    mutating func skipRestOfLine() {
        while pos < n, buf[pos] != UInt8(ascii: "\n") { pos += 1 }
    }

    /* escape         = "\" ( "n" | "t" | "r" | "0" | "\" | '"' | "{" | "}" | "u{" hex { hex } "}" ) ; */
    /// Decodes the escape at `pos` (a backslash) into `scratch`; false if it was invalid.
    mutating func lexEscape() -> Bool {
        let start = pos
        pos += 1
        guard pos < n else { return false }  // end of file: reported as an unterminated string
        let c = buf[pos]
        let simple: UInt8?
        switch c {
        case UInt8(ascii: "n"): simple = UInt8(ascii: "\n")
        case UInt8(ascii: "t"): simple = UInt8(ascii: "\t")
        case UInt8(ascii: "r"): simple = UInt8(ascii: "\r")
        case UInt8(ascii: "0"): simple = 0
        case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "}"): simple = c
        case UInt8(ascii: "u"): return lexUnicodeEscape(start: start)
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"): return false  // reported as an unterminated string
        default: simple = nil
        }
        if let s = simple {
            scratch.append(s)
            pos += 1
            return true
        }
        if c >= 0x80, let (_, length) = Lexer.decodeScalar(buf, at: pos) { pos += length } else { pos += 1 }
        report(.invalidEscape, "invalid escape sequence `\(excerpt(start, pos))`", start, pos,
               hint: "valid escapes are \\n \\t \\r \\0 \\\\ \\\" \\{ \\} and \\u{…}")
        return false
    }

    /// `\u{1F600}`: one to six hex digits naming a Unicode scalar.
    mutating func lexUnicodeEscape(start: Int) -> Bool {
        pos += 1  // past `u`
        guard pos < n, buf[pos] == UInt8(ascii: "{") else {
            report(.invalidUnicodeEscape, "expected `{` after `\\u`", start, pos, hint: "write a code point as `\\u{1F600}`")
            return false
        }
        pos += 1
        var value: UInt32 = 0
        var count = 0
        while pos < n, let h = Lexer.hexValue(buf[pos]) {
            if count < 8 { value = value << 4 | h }
            count += 1
            pos += 1
        }
        guard pos < n, buf[pos] == UInt8(ascii: "}") else {
            report(.invalidUnicodeEscape, count == 0 ? "expected hex digits in `\\u{…}`" : "expected `}` to end the unicode escape",
                   start, pos, hint: "write a code point as `\\u{1F600}`")
            return false
        }
        pos += 1
        if count == 0 {
            report(.invalidUnicodeEscape, "empty unicode escape `\\u{}`", start, pos, hint: "write a code point as `\\u{1F600}`")
            return false
        }
        guard count <= 6, let scalar = Unicode.Scalar(value) else {
            report(.invalidUnicodeEscape, "`\(excerpt(start, pos))` is not a Unicode scalar value", start, pos,
                   hint: "code points run to U+10FFFF, excluding the surrogates U+D800–U+DFFF")
            return false
        }
        scratch.append(contentsOf: Array(String(Character(scalar)).utf8))
        return true
    }

    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /* interpolation  = "{" expr [ ":" format_spec ] "}" ; */
    /* format_spec    = [ "<" | ">" | "^" ] [ digits ] [ "." digits ] [ "f" | "e" | "%" | "d" | "s" ] ; */
    /// After a `:` at the top level of an interpolation: the spec runs to the closing `}`.
    mutating func lexFormatSpec(colon: Int) {
        let start = pos
        while pos < n {
            let c = buf[pos]
            if c == UInt8(ascii: "}") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") { break }
            pos += 1
        }
        let spec = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
        var malformed = false
        if !Lexer.isValidFormatSpec(Array(spec.utf8)) {
            report(.invalidFormatSpec, "invalid format spec `\(excerpt(start, pos))`", start, pos,
                   hint: "a format spec is [<|>|^][width][.precision][f|e|%|d|s], as in `{acc:.2f}` or `{name:>10}`")
            malformed = true
        } else if let (what, digits) = Lexer.oversizedFormatNumber(Array(spec.utf8)) {
            report(.invalidFormatSpec, "format \(what) \(digits) is over the limit of \(Lexer.maxFormatWidth)", start, pos,
                   hint: "widths and precisions are at most \(Lexer.maxFormatWidth) characters")
            malformed = true
        }
        emit(.formatSpec, start: colon, end: pos, payload: addText(spec), malformed: malformed)
        if pos < n, buf[pos] == UInt8(ascii: "\"") {
            // `"{x:.2f"` — the quote ends the string; the interpolation never closed.
            report(.invalidFormatSpec, "expected `}` after the format spec, found `\"`", pos, pos + 1)
            interpolations.removeLast()
            pos += 1
            emit(.stringEnd, start: pos - 1, end: pos, payload: addText(""), malformed: true)
        }
        // A `}` comes back to `lexPunctuation`, which closes the interpolation; a line break or
        // the end of the file is reported by the main loop.
    }

    /// The largest width or precision a format spec may ask for: the default of
    /// `ResourceLimits.maxFormatWidth`, which the evaluator enforces (with the configured value)
    /// on every spec it applies. Checked here so `{x:.1000000000f}` is an error before anything
    /// runs, even in code `dcl check` cannot reach by evaluation.
    public static let maxFormatWidth = 1000

    /// The first width or precision of a valid spec over `maxFormatWidth`, as ("width" or
    /// "precision", its digits).
    static func oversizedFormatNumber(_ s: [UInt8]) -> (String, String)? {
        var i = 0, what = "width"
        while i < s.count {
            if s[i] == UInt8(ascii: ".") { what = "precision" }
            guard isDigit(s[i]) else { i += 1; continue }
            var digits: [UInt8] = []
            while i < s.count, isDigit(s[i]) || s[i] == UInt8(ascii: "_") {
                if s[i] != UInt8(ascii: "_") { digits.append(s[i]) }
                i += 1
            }
            let text = String(decoding: digits, as: UTF8.self)
            if (Int(text) ?? .max) > maxFormatWidth { return (what, text) }
        }
        return nil
    }

    static func isValidFormatSpec(_ s: [UInt8]) -> Bool {
        var i = 0
        if i < s.count, s[i] == UInt8(ascii: "<") || s[i] == UInt8(ascii: ">") || s[i] == UInt8(ascii: "^") { i += 1 }
        if i < s.count, isDigit(s[i]) {
            while i < s.count, isDigit(s[i]) || s[i] == UInt8(ascii: "_") { i += 1 }
        }
        if i < s.count, s[i] == UInt8(ascii: ".") {
            i += 1
            guard i < s.count, isDigit(s[i]) else { return false }
            while i < s.count, isDigit(s[i]) || s[i] == UInt8(ascii: "_") { i += 1 }
        }
        if i < s.count, "fe%ds".utf8.contains(s[i]) { i += 1 }
        return i == s.count
    }
}
