// Formatting through `dcl fmt`'s formatter. A document that does not parse is refused with an
// error naming the first syntax error — never reformatted from a partial tree.

import DCLDiagnostics
import DCLSyntax

extension LanguageServer {
    func formatting(_ p: DocumentParams, _ s: DocumentState) throws -> [TextEdit] {
        let sources = SourceManager()
        let file = sources.add(path: DocumentURI.checkPath(of: s.document.uri), bytes: s.document.bytes)
        let engine = DiagnosticEngine()
        guard let formatted = SourceFormatter.format(file, diagnostics: engine) else {
            let first = engine.sorted.first { $0.severity == .error }
            let place = first.flatMap { sources.location(of: $0.span) }.map { "\($0.position.line):\($0.position.column): " } ?? ""
            throw ResponseError(ErrorCode.requestFailed,
                                "not formatted: the document has syntax errors (\(place)\(first?.message ?? "syntax error"))")
        }
        let bytes = Array(formatted.utf8)
        guard bytes != s.document.bytes else { return [] }
        let lines = s.document.lines
        return [TextEdit(range: lines.range(0, s.document.bytes.count), newText: formatted)]
    }
}
