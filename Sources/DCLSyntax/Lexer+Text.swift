// Comments and the bytes that are not part of any token: control characters, invalid UTF-8 and
// characters dcl does not use. Each run of bad bytes gets one diagnostic with its exact span.

import DCLDiagnostics

extension Lexer {
    /* COMMENT        = "//" { any except newline } | "/*" { any | COMMENT } "*/" ; */
    mutating func lexLineComment() {
        let start = pos
        pos += 2
        while pos < n {
            let c = buf[pos]
            if c == UInt8(ascii: "\n") || (c == UInt8(ascii: "\r") && pos + 1 < n && buf[pos + 1] == UInt8(ascii: "\n")) { break }
            if c < 0x80 {
                if isBadControl(c) { skipControlCharacters(); continue }
                pos += 1
            } else {
                skipScalarOrInvalid()
            }
        }
        addComment(.line, start, pos)
    }

    /// Block comments nest, so commenting out code that holds a comment works.
    mutating func lexBlockComment() {
        let start = pos
        var depth = 0
        var opens: [Int] = []
        while pos < n {
            let c = buf[pos]
            if c == UInt8(ascii: "/"), pos + 1 < n, buf[pos + 1] == UInt8(ascii: "*") {
                depth += 1
                opens.append(pos)
                pos += 2
            } else if c == UInt8(ascii: "*"), pos + 1 < n, buf[pos + 1] == UInt8(ascii: "/") {
                depth -= 1
                opens.removeLast()
                pos += 2
                if depth == 0 {
                    addComment(.block, start, pos)
                    return
                }
            } else if c == UInt8(ascii: "\n") || c == UInt8(ascii: "\t") {
                pos += 1
            } else if c == UInt8(ascii: "\r"), pos + 1 < n, buf[pos + 1] == UInt8(ascii: "\n") {
                pos += 2
            } else if c < 0x80 {
                if isBadControl(c) { skipControlCharacters(); continue }
                pos += 1
            } else {
                skipScalarOrInvalid()
            }
        }
        // The innermost unclosed `/*` is the one a reader needs to find.
        let open = opens.last ?? start
        report(.unterminatedComment, "unterminated block comment", open, open + 2,
               hint: depth > 1 ? "block comments nest: each `/*` needs its own `*/`" : nil)
        addComment(.block, start, pos)
    }

    mutating func addComment(_ style: Comment.Style, _ start: Int, _ end: Int) {
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<end]), as: UTF8.self)
        comments.append(Comment(style: style, text: text, span: span(start, end)))
    }

    // MARK: Bytes outside tokens

    /// Control characters other than tab and a line ending (a lone `\r` is one).
    @inline(__always)
    func isBadControl(_ c: UInt8) -> Bool {
        if c == 0x7F { return true }
        guard c < 0x20, c != UInt8(ascii: "\t"), c != UInt8(ascii: "\n") else { return false }
        if c == UInt8(ascii: "\r"), pos + 1 < n, buf[pos + 1] == UInt8(ascii: "\n") { return false }
        return true
    }

    /// Reports a run of control characters as one problem and skips it (like whitespace, so the
    /// tokens around it still parse).
    mutating func skipControlCharacters() {
        let start = pos
        let first = buf[pos]
        while pos < n, isBadControl(buf[pos]) { pos += 1 }
        if first == 0 {
            report(.controlCharacter, "unexpected NUL byte", start, pos,
                   hint: "a dcl file is text; this one may be binary or UTF-16")
        } else {
            let name = first == 0x0D ? "carriage return not followed by a line feed" : "control character \(Lexer.codePoint(UInt32(first)))"
            report(.controlCharacter, "unexpected \(name)", start, pos)
        }
    }

    mutating func lexNonASCII() {
        if Lexer.decodeScalar(buf, at: pos) == nil {
            skipInvalidUTF8()
        } else {
            lexUnexpected()
        }
    }

    /// Inside comments and strings: step over one well-formed scalar, or report invalid UTF-8.
    @discardableResult
    mutating func skipScalarOrInvalid() -> Bool {
        if let (_, length) = Lexer.decodeScalar(buf, at: pos) {
            pos += length
            return true
        }
        skipInvalidUTF8()
        return false
    }

    mutating func skipInvalidUTF8() {
        let start = pos
        while pos < n, buf[pos] >= 0x80, Lexer.decodeScalar(buf, at: pos) == nil { pos += 1 }
        let bytes = (start..<min(pos, start + 8)).map { "0x" + String(buf[$0], radix: 16, uppercase: true) }.joined(separator: " ")
        report(.invalidUTF8, "invalid UTF-8 (bytes \(bytes)\(pos - start > 8 ? " …" : ""))", start, pos,
               hint: "save the file as UTF-8")
    }

    /// Characters that start no token: one `.error` token and one diagnostic per run.
    mutating func lexUnexpected() {
        let start = pos
        var scalars: [UInt32] = []
        while pos < n {
            let c = buf[pos]
            if c < 0x80 {
                if c <= 0x20 || c == 0x7F || Lexer.isWordByte(c) || c == UInt8(ascii: "\"") { break }
                if operators.byFirst[Int(c)].contains(where: { matches($0.bytes, at: pos) }) { break }
                scalars.append(UInt32(c))
                pos += 1
            } else {
                guard let (scalar, length) = Lexer.decodeScalar(buf, at: pos) else { break }
                scalars.append(scalar)
                pos += length
            }
        }
        let text = excerpt(start, pos)
        let noun = scalars.count == 1 ? "character" : "characters"
        report(.unexpectedCharacter, "unexpected \(noun) `\(text)`", start, pos, hint: Lexer.hint(forUnexpected: scalars))
        emit(.error, start: start, end: pos, malformed: true)
    }

    /// A hint for characters people bring from other languages.
    static func hint(forUnexpected s: [UInt32]) -> String? {
        guard let first = s.first else { return nil }
        switch first {
        case 0x21: return "use `not` to negate and `!=` to compare"                        // !
        case 0x26: return "use `and`"                                                     // &
        case 0x7C: return "use `or`; the pipe operator is `|>`"                            // |
        case 0x27: return "strings are written with double quotes"                        // '
        case 0x23: return "comments start with `//`"                                      // #
        case 0x201C, 0x201D, 0x201E: return "use a straight double quote `\"`"
        case 0x2018, 0x2019: return "strings are written with straight double quotes `\"`"
        case 0x2212: return "use an ASCII minus `-`"
        case 0x80...: return "names use ASCII letters, digits and `_`"
        default: return nil
        }
    }

    static func codePoint(_ v: UInt32) -> String {
        let hex = String(v, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Decodes one well-formed UTF-8 scalar (no overlongs, surrogates or values past U+10FFFF).
    static func decodeScalar(_ buf: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int)? {
        let n = buf.count
        let b0 = buf[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        func cont(_ k: Int) -> UInt32? {
            guard i + k < n else { return nil }
            let b = buf[i + k]
            return b & 0xC0 == 0x80 ? UInt32(b & 0x3F) : nil
        }
        switch b0 {
        case 0xC2...0xDF:
            guard let c1 = cont(1) else { return nil }
            return ((UInt32(b0 & 0x1F) << 6) | c1, 2)
        case 0xE0...0xEF:
            guard let c1 = cont(1), let c2 = cont(2) else { return nil }
            let v = (UInt32(b0 & 0x0F) << 12) | (c1 << 6) | c2
            guard v >= 0x800, !(0xD800...0xDFFF).contains(v) else { return nil }
            return (v, 3)
        case 0xF0...0xF4:
            guard let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) else { return nil }
            let v = (UInt32(b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3
            guard v >= 0x10000, v <= 0x10FFFF else { return nil }
            return (v, 4)
        default:
            return nil
        }
    }
}
