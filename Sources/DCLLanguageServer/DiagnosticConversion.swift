// `dcl check`'s diagnostics as LSP diagnostics of one document. The message keeps the checker's
// text and adds its `note:` and `help:` lines as `dcl check` prints them; labels become related
// information. A diagnostic located in another file (a StdLib or imported module) is shown at
// its call site in this document — the outermost label that points here (labels run innermost
// first: "in `f`, called here") — or else at the import that loaded that file, with the
// original place as the first related location.

import DCLDiagnostics
import DCLSema

enum DiagnosticConversion {
    static func convert(_ analysis: Analysis, uri: String, stdlib: StdLibFiles) -> [LSPDiagnostic] {
        guard let main = analysis.main else {
            return analysis.diagnostics.map { d in
                LSPDiagnostic(range: Range(start: Position(line: 0, character: 0), end: Position(line: 0, character: 0)),
                              severity: severity(d.severity), code: d.code, source: "dcl", message: text(d), relatedInformation: nil)
            }
        }
        let mainID = main.file.id
        let lines = LineIndex(main.file.bytes)
        var indexes: [FileID: LineIndex] = [mainID: lines]
        func location(_ span: SourceSpan) -> Location? {
            guard let f = analysis.sources.file(span.file) else { return nil }
            let u = span.file == mainID ? uri : stdlib.uri(forSourcePath: f.path)
            guard let u else { return nil }
            if indexes[span.file] == nil { indexes[span.file] = LineIndex(f.bytes) }
            return Location(uri: u, range: indexes[span.file]!.range(Int(span.start), Int(span.end)))
        }
        var out: [LSPDiagnostic] = []
        for d in analysis.diagnostics {
            var related = d.labels.compactMap { l in location(l.span).map { DiagnosticRelatedInformation(location: $0, message: l.message) } }
            var message = text(d)
            let range: Range
            if d.span.file == mainID {
                range = lines.range(Int(d.span.start), Int(d.span.end))
            } else if let site = d.labels.last(where: { $0.span.file == mainID }) {
                range = lines.range(Int(site.span.start), Int(site.span.end))
                if let here = location(d.span) {
                    related.insert(DiagnosticRelatedInformation(location: here, message: d.message), at: 0)
                    message += "\n(" + where_(d.span, analysis) + ")"
                }
            } else if let imp = main.imports.first(where: { $0.module?.file.id == d.span.file }) {
                range = lines.range(Int(imp.span.start), Int(imp.span.end))
                if let here = location(d.span) {
                    related.insert(DiagnosticRelatedInformation(location: here, message: d.message), at: 0)
                    message += "\n(" + where_(d.span, analysis) + ")"
                }
            } else {
                range = Range(start: Position(line: 0, character: 0), end: Position(line: 0, character: 0))
                if !d.span.isNone { message += "\n(" + where_(d.span, analysis) + ")" }
            }
            out.append(LSPDiagnostic(range: range, severity: severity(d.severity), code: d.code, source: "dcl", message: message,
                                     relatedInformation: related.isEmpty ? nil : related))
        }
        return out
    }

    static func severity(_ s: Severity) -> Int {
        switch s {
        case .error: return 1
        case .warning: return 2
        case .note: return 3
        }
    }

    /// The message with `note:` and `help:` lines, as `dcl check` prints them under it.
    static func text(_ d: Diagnostic) -> String {
        var s = d.message
        for n in d.notes { s += "\nnote: " + n }
        if let h = d.hint { s += "\nhelp: " + h }
        return s
    }

    private static func where_(_ span: SourceSpan, _ a: Analysis) -> String {
        guard let (path, p) = a.sources.location(of: span) else { return "" }
        return "at \(path):\(p.line):\(p.column)"
    }
}
