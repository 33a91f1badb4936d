// Converts between byte offsets into UTF-8 text (what every dcl span holds) and LSP positions
// (0-based line, column in UTF-16 code units). A scalar of four UTF-8 bytes is two UTF-16 units;
// a byte that is not valid UTF-8 counts as one unit (editors show it as one replacement
// character). Positions past the end of a line clamp to its end, past the last line to the end
// of the text, as the specification asks.

public struct LineIndex: Sendable {
    public let bytes: [UInt8]
    /// Byte offset at which each line starts.
    public let lineStarts: [Int]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        lineStarts = starts
    }

    public var lineCount: Int { lineStarts.count }

    /// End of a line's content (before `\r\n` or `\n`).
    public func lineEnd(_ line: Int) -> Int {
        var end = line + 1 < lineStarts.count ? lineStarts[line + 1] - 1 : bytes.count
        if end > lineStarts[line], end <= bytes.count, end - 1 >= 0, bytes[end - 1] == UInt8(ascii: "\r"), line + 1 < lineStarts.count {
            end -= 1
        }
        return max(lineStarts[line], end)
    }

    /// The byte offset of a position (clamped into the text).
    public func offset(of p: Position) -> Int {
        guard p.line >= 0 else { return 0 }
        guard p.line < lineStarts.count else { return bytes.count }
        let end = lineEnd(p.line)
        var i = lineStarts[p.line], units = 0
        while i < end, units < p.character {
            let (len, u) = LineIndex.scalar(bytes, at: i, end: end)
            // A position inside a surrogate pair rounds down to the scalar's start.
            if units + u > p.character { break }
            units += u
            i += len
        }
        return i
    }

    /// The position of a byte offset (clamped into the text).
    public func position(of offset: Int) -> Position {
        let o = max(0, min(offset, bytes.count))
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= o { lo = mid } else { hi = mid - 1 }
        }
        var i = lineStarts[lo], units = 0
        while i < o {
            let (len, u) = LineIndex.scalar(bytes, at: i, end: bytes.count)
            units += u
            i += len
        }
        return Position(line: lo, character: units)
    }

    public func range(_ start: Int, _ end: Int) -> Range {
        Range(start: position(of: start), end: position(of: max(start, end)))
    }

    /// Length in bytes and UTF-16 units of the scalar at `i` (an invalid byte: 1 and 1).
    static func scalar(_ b: [UInt8], at i: Int, end: Int) -> (Int, Int) {
        let lead = b[i]
        let len: Int
        switch lead {
        case 0..<0x80: return (1, 1)
        case 0xC2...0xDF: len = 2
        case 0xE0...0xEF: len = 3
        case 0xF0...0xF4: len = 4
        default: return (1, 1)
        }
        guard i + len <= end else { return (1, 1) }
        for k in 1..<len where b[i + k] & 0xC0 != 0x80 { return (1, 1) }
        return (len, len == 4 ? 2 : 1)
    }
}
