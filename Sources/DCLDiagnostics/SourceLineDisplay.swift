// How one source line looks on a terminal, and where each of its bytes lands. The renderer
// needs both to put a caret under the right character when the line holds tabs, multi-byte
// UTF-8, wide (CJK, emoji) or zero-width (combining) characters, control characters or bytes
// that are not UTF-8 at all.

/// A source line prepared for display.
struct SourceLineDisplay {
    /// The printable text: tabs expanded, control characters shown as their Unicode pictures
    /// (U+2400…), invalid bytes as U+FFFD.
    let text: String
    /// Display column (0-based) at which each byte offset of the line starts; one entry more
    /// than the line's length, for the position just past its end.
    let columns: [Int]

    /// Prepares the bytes of one line (without its terminator).
    init(_ bytes: ArraySlice<UInt8>, tabWidth: Int) {
        var text = ""
        var columns = [Int](repeating: 0, count: bytes.count + 1)
        var col = 0
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let (scalar, length) = SourceLineDisplay.decode(bytes, at: i)
            for k in 0..<length { columns[i - bytes.startIndex + k] = col }
            switch scalar {
            case nil:
                text.unicodeScalars.append("\u{FFFD}")
                col += 1
            case let s? where s.value == 0x09:
                let w = tabWidth - col % tabWidth
                text += String(repeating: " ", count: w)
                col += w
            case let s? where s.value < 0x20:
                text.unicodeScalars.append(Unicode.Scalar(0x2400 + s.value)!)
                col += 1
            case let s? where s.value == 0x7F:
                text.unicodeScalars.append("\u{2421}")
                col += 1
            case let s?:
                text.unicodeScalars.append(s)
                col += SourceLineDisplay.width(of: s)
            }
            i += length
        }
        columns[bytes.count] = col
        self.text = text
        self.columns = columns
    }

    /// One well-formed scalar at `i`, or nil and a length of 1 for a byte that does not start one.
    static func decode(_ b: ArraySlice<UInt8>, at i: Int) -> (Unicode.Scalar?, Int) {
        let b0 = b[i]
        if b0 < 0x80 { return (Unicode.Scalar(b0), 1) }
        func cont(_ k: Int) -> UInt32? {
            guard i + k < b.endIndex, b[i + k] & 0xC0 == 0x80 else { return nil }
            return UInt32(b[i + k] & 0x3F)
        }
        switch b0 {
        case 0xC2...0xDF:
            if let c1 = cont(1) { return (Unicode.Scalar((UInt32(b0 & 0x1F) << 6) | c1), 2) }
        case 0xE0...0xEF:
            if let c1 = cont(1), let c2 = cont(2) {
                let v = (UInt32(b0 & 0x0F) << 12) | (c1 << 6) | c2
                if v >= 0x800, let s = Unicode.Scalar(v) { return (s, 3) }
            }
        case 0xF0...0xF4:
            if let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) {
                let v = (UInt32(b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3
                if v >= 0x10000, let s = Unicode.Scalar(v) { return (s, 4) }
            }
        default:
            break
        }
        return (nil, 1)
    }

    /// Terminal columns a scalar occupies: 0 for combining marks, 2 for East Asian wide and
    /// emoji ranges, 1 otherwise (a close approximation of wcwidth, enough for carets).
    static func width(of s: Unicode.Scalar) -> Int {
        switch s.value {
        case 0x0300...0x036F, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x20D0...0x20FF, 0xFE00...0xFE0F, 0xFE20...0xFE2F, 0x200B...0x200F:
            return 0
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}
