// An open document: its URI, version and UTF-8 text, with LSP's incremental edits applied in
// UTF-16 positions (`LineIndex`).

public struct TextDocument: Sendable {
    public let uri: String
    public private(set) var version: Int
    public private(set) var bytes: [UInt8]
    public private(set) var lines: LineIndex

    public init(uri: String, version: Int, text: String) {
        self.uri = uri
        self.version = version
        self.bytes = Array(text.utf8)
        self.lines = LineIndex(bytes)
    }

    /// Applies the changes in order (each range is in the text as left by the previous one).
    public mutating func apply(_ changes: [ContentChange], version: Int?) {
        for c in changes {
            if let r = c.range {
                let a = lines.offset(of: r.start), b = lines.offset(of: r.end)
                let (lo, hi) = a <= b ? (a, b) : (b, a)
                bytes.replaceSubrange(lo..<hi, with: Array(c.text.utf8))
            } else {
                bytes = Array(c.text.utf8)
            }
            lines = LineIndex(bytes)
        }
        if let v = version { self.version = v } else { self.version += 1 }
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
