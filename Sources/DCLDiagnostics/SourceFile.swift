// Source text and positions. Every stage reports locations as `SourceSpan`s (byte ranges in
// one file); turning them into line:column happens once, when a diagnostic is rendered.

/// Identifies a file inside a `SourceManager`.
public struct FileID: Hashable, Sendable, Comparable, Codable {
    public let raw: Int32
    public init(_ raw: Int32) { self.raw = raw }
    public static func < (a: FileID, b: FileID) -> Bool { a.raw < b.raw }
}

/// A half-open byte range `[start, end)` in one source file.
public struct SourceSpan: Hashable, Sendable, Codable, CustomStringConvertible {
    public var file: FileID
    public var start: Int32
    public var end: Int32

    public init(file: FileID, start: Int, end: Int) {
        self.file = file
        self.start = Int32(truncatingIfNeeded: start)
        self.end = Int32(truncatingIfNeeded: max(start, end))
    }

    /// The smallest span covering both (same file assumed; otherwise `self`).
    public func to(_ other: SourceSpan) -> SourceSpan {
        guard other.file == file else { return self }
        return SourceSpan(file: file, start: Int(min(start, other.start)), end: Int(max(end, other.end)))
    }

    public var length: Int { Int(end - start) }
    public var description: String { "\(file.raw):\(start)..<\(end)" }

    /// A span for things that have no place in a file (built-ins, command-line values).
    public static let none = SourceSpan(file: FileID(-1), start: 0, end: 0)
    public var isNone: Bool { file.raw < 0 }
}

/// A 1-based line and column (column counts Unicode scalars, as editors do).
public struct LineColumn: Hashable, Sendable, Codable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
}

/// The text of one file plus its line table.
public final class SourceFile: @unchecked Sendable {
    public let id: FileID
    /// The path as the user gave it (used in messages), or a label such as `<repl>`.
    public let path: String
    /// The raw bytes. Invalid UTF-8 is kept as is; the lexer reports it.
    public let bytes: [UInt8]
    /// Byte offset at which each line starts.
    public let lineStarts: [Int]

    public init(id: FileID, path: String, bytes: [UInt8]) {
        self.id = id
        self.path = path
        self.bytes = bytes
        var starts = [0]
        starts.reserveCapacity(bytes.count / 32 + 1)
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    public convenience init(id: FileID, path: String, text: String) {
        self.init(id: id, path: path, bytes: Array(text.utf8))
    }

    /// 0-based line index containing `offset`.
    public func lineIndex(of offset: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// 1-based line and column of a byte offset (column in Unicode scalars; a tab counts one).
    public func lineColumn(of offset: Int) -> LineColumn {
        let clamped = max(0, min(offset, bytes.count))
        let li = lineIndex(of: clamped)
        var col = 1
        var i = lineStarts[li]
        while i < clamped {
            // Count scalars: skip UTF-8 continuation bytes.
            if bytes[i] & 0xC0 != 0x80 { col += 1 }
            i += 1
        }
        return LineColumn(line: li + 1, column: col)
    }

    /// The text of a 0-based line without its line terminator (invalid UTF-8 repaired for display).
    public func lineText(_ index: Int) -> String {
        guard index >= 0, index < lineStarts.count else { return "" }
        let start = lineStarts[index]
        var end = index + 1 < lineStarts.count ? lineStarts[index + 1] : bytes.count
        while end > start, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The source text covered by a span (repaired for display).
    public func text(of span: SourceSpan) -> String {
        let s = max(0, min(Int(span.start), bytes.count)), e = max(s, min(Int(span.end), bytes.count))
        return String(decoding: bytes[s..<e], as: UTF8.self)
    }

    public var lineCount: Int { lineStarts.count }
}

/// Owns every loaded file so spans can be resolved anywhere (imports, the REPL's inputs).
public final class SourceManager: @unchecked Sendable {
    public private(set) var files: [SourceFile] = []
    public init() {}

    @discardableResult
    public func add(path: String, bytes: [UInt8]) -> SourceFile {
        let f = SourceFile(id: FileID(Int32(files.count)), path: path, bytes: bytes)
        files.append(f)
        return f
    }

    @discardableResult
    public func add(path: String, text: String) -> SourceFile {
        add(path: path, bytes: Array(text.utf8))
    }

    public func file(_ id: FileID) -> SourceFile? {
        let i = Int(id.raw)
        return i >= 0 && i < files.count ? files[i] : nil
    }

    /// `path:line:col` of a span's start, or nil for `SourceSpan.none`.
    public func location(of span: SourceSpan) -> (path: String, position: LineColumn)? {
        guard let f = file(span.file) else { return nil }
        return (f.path, f.lineColumn(of: Int(span.start)))
    }
}
