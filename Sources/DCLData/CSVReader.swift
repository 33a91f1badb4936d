// An RFC 4180 CSV tokenizer over an in-memory buffer that remembers where every field starts
// (line and column), so each error downstream can point at the exact spot.
//
// Accepted: comma separators (or another one-byte separator: CSVStream's `--delimiter`); LF,
// CRLF or lone CR line ends; fields in double quotes, with `""`
// for a literal quote and line breaks allowed inside; a UTF-8 byte-order mark at the start.
// Lenient where RFC 4180 is strict but the meaning is unambiguous: a `"` inside an unquoted field
// is a literal character, and blank lines are skipped (they still count for line numbers).
// Errors: an unterminated quoted field (reported where it opened) and text after a closing quote.

/// Where one field lies in the buffer and in the file.
struct CSVField {
    /// Byte range of the content (without the surrounding quotes).
    var start: Int
    var end: Int
    /// 1-based line and column (byte offset in the line) of the field's first character.
    var line: Int
    var column: Int
    /// Whether the content contains `""` pairs that stand for one quote.
    var hasEscapes: Bool
}

struct CSVReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String
    private var pos = 0
    private var line = 1
    private var lineStart = 0
    /// Fields of the record last read by `next()`.
    private(set) var fields: [CSVField] = []
    /// Line on which the record last read starts.
    private(set) var recordLine = 0

    /// The field separator (a comma unless told).
    private let comma: UInt8

    /// A reader of `bytes`; `line` is the file line `bytes` starts on, and `startOfFile` whether
    /// a byte-order mark may come first (CSVStream reads a file in pieces, each starting a record).
    init(_ bytes: UnsafeBufferPointer<UInt8>, path: String, separator: UInt8 = 0x2C, line: Int = 1, startOfFile: Bool = true) {
        self.bytes = bytes
        self.path = path
        self.comma = separator
        self.line = line
        if startOfFile && bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            pos = 3
            lineStart = 3
        }
        fields.reserveCapacity(64)
    }

    private static let quote: UInt8 = 0x22, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D

    /// The offset where the next record (or blank line) begins, and its line.
    var position: Int { pos }
    var currentLine: Int { line }

    /// Consumes a line break at `pos` (LF, CRLF or CR), if there is one.
    private mutating func skipLineBreak() -> Bool {
        guard pos < bytes.count else { return false }
        let b = bytes[pos]
        if b == Self.lf {
            pos += 1
        } else if b == Self.cr {
            pos += 1
            if pos < bytes.count && bytes[pos] == Self.lf { pos += 1 }
        } else {
            return false
        }
        line += 1
        lineStart = pos
        return true
    }

    /// Reads the next non-blank record into `fields`; false at end of input.
    mutating func next() throws -> Bool {
        fields.removeAll(keepingCapacity: true)
        while skipLineBreak() {}
        guard pos < bytes.count else { return false }
        recordLine = line
        let n = bytes.count
        while true {
            let fieldLine = line, fieldColumn = pos - lineStart + 1
            if pos < n && bytes[pos] == Self.quote {
                // Quoted field: scan to the closing quote, counting line breaks inside.
                pos += 1
                let start = pos
                var escapes = false
                while true {
                    guard pos < n else {
                        throw DataError(.malformed, path: path, line: fieldLine, column: fieldColumn,
                                        "unterminated quoted field, expected a closing '\"' before the end of the file")
                    }
                    let b = bytes[pos]
                    if b == Self.quote {
                        if pos + 1 < n && bytes[pos + 1] == Self.quote {
                            escapes = true
                            pos += 2
                            continue
                        }
                        break
                    }
                    if b == Self.lf || (b == Self.cr && !(pos + 1 < n && bytes[pos + 1] == Self.lf)) {
                        pos += 1
                        line += 1
                        lineStart = pos
                    } else if b == Self.cr {
                        pos += 2
                        line += 1
                        lineStart = pos
                    } else {
                        pos += 1
                    }
                }
                fields.append(CSVField(start: start, end: pos, line: fieldLine, column: fieldColumn, hasEscapes: escapes))
                pos += 1  // the closing quote
                if pos < n, bytes[pos] != comma, bytes[pos] != Self.lf, bytes[pos] != Self.cr {
                    throw DataError(.malformed, path: path, line: line, column: pos - lineStart + 1,
                                    "expected \(comma == 0x2C ? "','" : quoted(bytes: [comma])) or end of line after a closing quote, found \(quoted(bytes: [bytes[pos]]))")
                }
            } else {
                let start = pos
                while pos < n {
                    let b = bytes[pos]
                    if b == comma || b == Self.lf || b == Self.cr { break }
                    pos += 1
                }
                fields.append(CSVField(start: start, end: pos, line: fieldLine, column: fieldColumn, hasEscapes: false))
            }
            if pos < n && bytes[pos] == comma {
                pos += 1
                continue
            }
            _ = skipLineBreak()
            return true
        }
    }

    /// Raw content bytes of field `i` (quotes removed, `""` not yet collapsed).
    func raw(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let f = fields[i]
        return UnsafeBufferPointer(rebasing: bytes[f.start..<f.end])
    }

    /// Field `i` as text, with `""` collapsed to `"`.
    func text(_ i: Int) -> String {
        let f = fields[i]
        guard f.hasEscapes else { return String(decoding: raw(i), as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(f.end - f.start)
        var k = f.start
        while k < f.end {
            out.append(bytes[k])
            // Inside a quoted field every quote is doubled; keep one of each pair.
            k += bytes[k] == Self.quote ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An error located at field `i` of the current record.
    func error(_ kind: DataErrorKind, field i: Int, _ message: String) -> DataError {
        let f = fields[i]
        return DataError(kind, path: path, line: f.line, column: f.column, message)
    }

    /// An error located at the start of the current record.
    func recordError(_ kind: DataErrorKind, _ message: String) -> DataError {
        DataError(kind, path: path, line: recordLine, message)
    }
}
