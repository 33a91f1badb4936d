// The canonical formatter behind `dcl fmt`.
//
// It walks the AST in source order building a `Doc`, and re-attaches comments by position: each
// comment is emitted at the first point of the walk after it where a line break is allowed (before
// a statement or field, after an opening bracket, comma or operator, before `|>`). A comment on the
// same line as the end of the previous statement, element or operand stays there as a trailing
// comment. Since comments are only ever emitted where the grammar allows a line break, formatting
// cannot change how the program parses; tests check that the AST dump is unchanged and that
// formatting twice changes nothing, for every sample, example and golden file.
//
// Literal numbers are printed as written (from the source text), so `1_000` and `1e-3` survive.

import DCLDiagnostics

/// Formats dcl source in the one canonical style.
public enum SourceFormatter {
    public struct Options: Sendable {
        /// Lines are broken to stay within this many columns where the grammar allows.
        public var width: Int
        /// Spaces per indentation level.
        public var indent: Int
        public init(width: Int = 100, indent: Int = 2) {
            self.width = width
            self.indent = indent
        }
    }

    /// Formats a program that was parsed from `source` without errors.
    public static func format(_ program: Program, source: SourceFile, options: Options = Options()) -> String {
        var builder = FormatBuilder(bytes: source.bytes, comments: program.comments)
        let doc = builder.program(program)
        return DocPrinter(width: options.width, indentUnit: options.indent).print(doc)
    }

    /// Parses and formats `source`. Returns nil if it has syntax errors (they are reported to
    /// `diagnostics`): a file that does not parse is never rewritten.
    public static func format(_ source: SourceFile, diagnostics: DiagnosticEngine, options: Options = Options()) -> String? {
        let before = diagnostics.errorCount + diagnostics.suppressedErrors
        let program = Parser.parse(source, diagnostics: diagnostics)
        guard diagnostics.errorCount + diagnostics.suppressedErrors == before else { return nil }
        return format(program, source: source, options: options)
    }
}

/// Builds the document for one file; owns the cursor into its comments.
struct FormatBuilder {
    let bytes: [UInt8]
    let comments: [Comment]
    /// Index of the first comment not yet emitted.
    var nextComment = 0
    /// Inside a string interpolation: only block comments may be emitted (no line breaks).
    var inString = false

    init(bytes: [UInt8], comments: [Comment]) {
        self.bytes = bytes
        self.comments = comments
    }

    func source(_ span: SourceSpan) -> String {
        String(decoding: bytes[Int(span.start)..<Int(span.end)], as: UTF8.self)
    }

    // MARK: Source layout

    func newlines(from a: Int, to b: Int) -> Int {
        guard a < b else { return 0 }
        var count = 0
        for i in a..<min(b, bytes.count) where bytes[i] == UInt8(ascii: "\n") { count += 1 }
        return count
    }

    func hasNewline(from a: Int, to b: Int) -> Bool { newlines(from: a, to: b) > 0 }

    /// Only blanks lie between the start of the line and `offset`.
    func startsLine(_ offset: Int) -> Bool {
        var i = offset - 1
        while i >= 0, bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") { i -= 1 }
        return i < 0 || bytes[i] == UInt8(ascii: "\n")
    }
    func hasBlankLine(from a: Int, to b: Int) -> Bool { newlines(from: a, to: b) > 1 }

    /// The offset of the `{` that opens a block starting at or after `offset` (skipping comments).
    func openBrace(after offset: Int) -> Int {
        var i = offset
        var c = 0
        while i < bytes.count {
            while c < comments.count, Int(comments[c].span.end) <= i { c += 1 }
            if c < comments.count, Int(comments[c].span.start) <= i {
                i = Int(comments[c].span.end)
                continue
            }
            if bytes[i] == UInt8(ascii: "{") { return i }
            i += 1
        }
        return offset
    }

    // MARK: Comments

    var pending: Comment? { nextComment < comments.count ? comments[nextComment] : nil }

    /// A comment as written (a line comment loses trailing blanks).
    func doc(_ c: Comment) -> Doc {
        guard c.style == .line else { return .text(c.text) }
        var t = Substring(c.text)
        while let last = t.last, last == " " || last == "\t" { t.removeLast() }
        return .lineComment(String(t))
    }

    /// Comments before `offset`, as inline text: a block comment is followed by a space, a line
    /// comment by a line break. In a string interpolation, line comments wait.
    mutating func inlineComments(before offset: Int) -> Doc {
        var parts: [Doc] = []
        while let c = pending, Int(c.span.start) < offset {
            if inString && c.style == .line { break }
            nextComment += 1
            parts.append(doc(c))
            if c.style == .block { parts.append(.text(" ")) }
        }
        return .concat(parts)
    }

    /// Comments after `end` on the same line and before `limit`, plus any left over before `end`
    /// (from places inside the construct where none could go): ` /* a */ // b`.
    mutating func trailingComments(after end: Int, before limit: Int) -> Doc {
        var parts: [Doc] = []
        // "On the same line" is judged from the end of what precedes each comment, so a comment
        // after a multi-line block comment stays where it was.
        var from = end
        while let c = pending {
            let start = Int(c.span.start)
            guard start < end || (start < limit && !hasNewline(from: from, to: start)) else { break }
            if inString && c.style == .line { break }
            nextComment += 1
            parts.append(.text(" "))
            parts.append(doc(c))
            from = max(from, Int(c.span.end))
            if c.style == .line { break }
        }
        return .concat(parts)
    }

    // MARK: Sequences of lines

    /// An item of a line-per-item sequence: statements of a block or the program, fields of a
    /// field block, entries of a multi-line record.
    struct Line {
        let start: Int
        let end: Int
        /// A top-level declaration: set off by blank lines.
        let spaced: Bool
        let build: (inout FormatBuilder) -> Doc
    }

    /// Lines separated by line breaks, with their leading and trailing comments; at most one
    /// blank line is kept where the source had one, and one is forced around `spaced` lines.
    /// `end` is where the sequence stops (the closing `}` or the end of the file).
    mutating func lines(_ items: [Line], end: Int) -> Doc {
        var parts: [Doc] = []
        var previousEnd: Int?
        var previousSpaced = false
        for (i, item) in items.enumerated() {
            var forceBlank = previousEnd != nil && (item.spaced || previousSpaced)
            while let c = pending, Int(c.span.start) < item.start {
                nextComment += 1
                if let p = previousEnd {
                    parts.append(forceBlank || hasBlankLine(from: p, to: Int(c.span.start)) ? .blankLine : .hardLine)
                }
                forceBlank = false
                parts.append(doc(c))
                previousEnd = Int(c.span.end)
            }
            if let p = previousEnd {
                parts.append(forceBlank || hasBlankLine(from: p, to: item.start) ? .blankLine : .hardLine)
            }
            parts.append(item.build(&self))
            let limit = i + 1 < items.count ? items[i + 1].start : end
            parts.append(trailingComments(after: item.end, before: limit))
            previousEnd = max(item.end, nextComment > 0 ? Int(comments[nextComment - 1].span.end) : 0)
            previousSpaced = item.spaced
        }
        while let c = pending, Int(c.span.start) < end {
            nextComment += 1
            if let p = previousEnd {
                parts.append(hasBlankLine(from: p, to: Int(c.span.start)) ? .blankLine : .hardLine)
            }
            parts.append(doc(c))
            previousEnd = Int(c.span.end)
        }
        return .concat(parts)
    }

    /// `{`, the lines indented, `}` — or `{}` when there is nothing inside.
    mutating func braced(_ items: [Line], open: Int, close: Int) -> Doc {
        let afterBrace = trailingComments(after: open + 1, before: items.first?.start ?? close)
        let hasComments = pending.map { Int($0.span.start) < close } ?? false
        if items.isEmpty && !hasComments {
            if case .concat(let p) = afterBrace, p.isEmpty { return .text("{}") }
            return .text("{") + afterBrace + .hardLine + .text("}")
        }
        return .text("{") + afterBrace + .indent(.hardLine + lines(items, end: close)) + .hardLine + .text("}")
    }

    // MARK: Program

    mutating func program(_ p: Program) -> Doc {
        let items = p.items.map { s in
            Line(start: Int(s.span.start), end: Int(s.span.end), spaced: FormatBuilder.isDeclaration(s)) { $0.statement(s) }
        }
        return lines(items, end: bytes.count + 1)
    }

    /// Declarations get blank lines around them; `param` lines stay together, as `let`s do.
    static func isDeclaration(_ s: Stmt) -> Bool {
        if case .decl(let d) = s.kind, case .param = d.kind { return false }
        if case .decl = s.kind { return true }
        return false
    }

    /// A block of statements.
    mutating func block(_ b: Block) -> Doc {
        let items = b.statements.map { s in
            Line(start: Int(s.span.start), end: Int(s.span.end), spaced: false) { $0.statement(s) }
        }
        return braced(items, open: Int(b.span.start), close: max(Int(b.span.start), Int(b.span.end) - 1))
    }
}
