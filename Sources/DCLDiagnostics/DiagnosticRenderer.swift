// Turns diagnostics into text for people: the location and message, then the source lines
// involved with a gutter, `^~~~` under the primary span, `----` and a message under each
// secondary label, and `= note:` / `= help:` lines.
//
//     lenet.dcl:3:6: error[E0023]: expected `{` after the condition, found `=`
//       |
//     3 | if x = 1 {
//       |      ^
//       = help: use `==` to compare
//
// Colour (ANSI) is used only when asked for; the command line asks when its output is a
// terminal and NO_COLOR is unset. JSON output lives in DiagnosticRenderer+JSON.swift.

/// Renders diagnostics as plain or coloured text, or as JSON lines.
public struct DiagnosticRenderer: Sendable {
    public let sources: SourceManager
    /// Emit ANSI colour escapes.
    public var color: Bool
    /// Columns between tab stops when showing source lines.
    public var tabWidth: Int

    public init(sources: SourceManager, color: Bool = false, tabWidth: Int = 4) {
        self.sources = sources
        self.color = color
        self.tabWidth = tabWidth
    }

    /// Several diagnostics, each followed by a blank line.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map { render($0) + "\n" }.joined()
    }

    /// "2 errors, 1 warning" (with the number past the error limit), or nil if there is nothing.
    public func summary(_ engine: DiagnosticEngine) -> String? {
        let errors = engine.errorCount + engine.suppressedErrors
        let warnings = engine.diagnostics.filter { $0.severity == .warning }.count
        var parts: [String] = []
        if errors > 0 { parts.append("\(errors) error\(errors == 1 ? "" : "s")") }
        if warnings > 0 { parts.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
        guard !parts.isEmpty else { return nil }
        var line = parts.joined(separator: ", ")
        if engine.suppressedErrors > 0 { line += " (\(engine.suppressedErrors) not shown)" }
        return line
    }

    // MARK: One diagnostic

    /// One diagnostic as text, ending with a newline.
    public func render(_ d: Diagnostic) -> String {
        var out = ""
        let file = sources.file(d.span.file)
        if let f = file {
            let p = f.lineColumn(of: Int(d.span.start))
            out += paint("\(f.path):\(p.line):\(p.column): ", .bold)
        }
        out += paint("\(d.severity.rawValue)[\(d.code)]", severityStyle(d.severity))
        out += paint(": \(d.message)", .bold) + "\n"

        var annotations: [Annotation] = []
        if let f = file { annotations.append(Annotation(file: f, span: d.span, primary: true, message: "")) }
        var elsewhere: [Annotation] = []
        for label in d.labels {
            guard let lf = sources.file(label.span.file) else { continue }
            let a = Annotation(file: lf, span: label.span, primary: false, message: label.message)
            if let f = file, lf.id == f.id { annotations.append(a) } else { elsewhere.append(a) }
        }
        let allLines = (annotations + elsewhere).flatMap { [$0.startLine, $0.endLine] }
        let gutter = String(allLines.map { $0 + 1 }.max() ?? 1).count
        if let f = file { out += snippet(f, annotations, gutter: gutter, primaryStyle: severityStyle(d.severity)) }
        for a in elsewhere {
            let p = a.file.lineColumn(of: Int(a.span.start))
            out += String(repeating: " ", count: gutter) + paint("::: ", .gutter) + "\(a.file.path):\(p.line):\(p.column)\n"
            out += snippet(a.file, [a], gutter: gutter, primaryStyle: .label)
        }
        let pad = String(repeating: " ", count: gutter + 1)
        for note in d.notes { out += pad + paint("= ", .gutter) + paint("note", .bold) + ": \(note)\n" }
        if let hint = d.hint { out += pad + paint("= ", .gutter) + paint("help", .help) + ": \(hint)\n" }
        return out
    }

    /// A span to show, with the lines it starts and ends on (0-based).
    struct Annotation {
        let file: SourceFile
        let span: SourceSpan
        let primary: Bool
        let message: String
        var startLine: Int { file.lineIndex(of: clamp(Int(span.start))) }
        /// The line of the last byte covered (a span ending just after a newline ends on that line).
        var endLine: Int { file.lineIndex(of: clamp(max(Int(span.start), Int(span.end) - 1))) }
        func clamp(_ o: Int) -> Int { max(0, min(o, file.bytes.count)) }
    }

    /// The source lines touched by `annotations`, each followed by its underlines.
    func snippet(_ f: SourceFile, _ annotations: [Annotation], gutter: Int, primaryStyle: Style) -> String {
        let pad = String(repeating: " ", count: gutter)
        var out = pad + paint(" |", .gutter) + "\n"
        let lines = Set(annotations.map(\.startLine)).sorted()
        var previous: Int?
        for li in lines {
            if let p = previous, li > p + 1 { out += pad + paint(" :", .gutter) + "\n" }
            previous = li
            let lineStart = f.lineStarts[li]
            var lineEnd = li + 1 < f.lineStarts.count ? f.lineStarts[li + 1] : f.bytes.count
            while lineEnd > lineStart, f.bytes[lineEnd - 1] == 0x0A || f.bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let here = annotations.filter { $0.startLine == li }.sorted { ($0.primary ? 0 : 1, $0.span.start) < ($1.primary ? 0 : 1, $1.span.start) }
            let (start, end) = window(f, lineStart, lineEnd, here)
            let display = SourceLineDisplay(f.bytes[start..<end], tabWidth: tabWidth)
            let before = start > lineStart ? "…" : "", after = end < lineEnd ? "…" : ""
            let number = String(li + 1)
            out += paint(String(repeating: " ", count: gutter - number.count) + number + " |", .gutter)
            out += display.text.isEmpty && before.isEmpty ? "\n" : " " + before + display.text + after + "\n"
            for a in here {
                let length = end - start
                let from = min(max(0, Int(a.span.start) - start), length)
                let multiLine = a.endLine > li
                let to = multiLine ? length : min(max(from, Int(a.span.end) - start), length)
                let c0 = display.columns[from] + before.count, c1 = display.columns[to] + before.count
                let width = max(1, c1 - c0)
                let marker = a.primary ? "^" + String(repeating: "~", count: width - 1) : String(repeating: "-", count: width)
                var message = a.message
                if multiLine {
                    let more = "(continues to line \(a.endLine + 1))"
                    message = message.isEmpty ? more : message + " " + more
                }
                out += pad + paint(" |", .gutter) + " " + String(repeating: " ", count: c0)
                out += paint(marker + (message.isEmpty ? "" : " " + message), a.primary ? primaryStyle : .label) + "\n"
            }
        }
        return out
    }

    /// The part of a long line worth showing: some context around the annotations, cut at
    /// UTF-8 boundaries (a 10 MB line must not become a 10 MB message).
    func window(_ f: SourceFile, _ lineStart: Int, _ lineEnd: Int, _ annotations: [Annotation]) -> (Int, Int) {
        let context = 60, longest = 400
        guard lineEnd - lineStart > longest, let first = annotations.map({ Int($0.span.start) }).min() else {
            return (lineStart, lineEnd)
        }
        let last = annotations.map { Int($0.span.end) }.max() ?? first
        var start = max(lineStart, first - context)
        var end = min(lineEnd, min(max(last, first + 1), first + longest) + context)
        while start > lineStart, f.bytes[start] & 0xC0 == 0x80 { start -= 1 }
        while end < lineEnd, f.bytes[end] & 0xC0 == 0x80 { end += 1 }
        return (start, end)
    }

    // MARK: Colour

    enum Style { case bold, error, warning, note, help, gutter, label }

    func severityStyle(_ s: Severity) -> Style {
        switch s {
        case .error: return .error
        case .warning: return .warning
        case .note: return .note
        }
    }

    func paint(_ s: String, _ style: Style) -> String {
        guard color else { return s }
        let code: String
        switch style {
        case .bold: code = "1"
        case .error: code = "1;31"
        case .warning: code = "1;33"
        case .note: code = "1;36"
        case .help: code = "1;32"
        case .gutter, .label: code = "1;34"
        }
        return "\u{1B}[\(code)m\(s)\u{1B}[0m"
    }
}
