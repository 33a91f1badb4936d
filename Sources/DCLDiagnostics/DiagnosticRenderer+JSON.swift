// Diagnostics for tools: one JSON object per diagnostic, one per line (JSON Lines), with
// 1-based line and column numbers (columns count Unicode scalars, as in the text form).
//
//   {"file":"a.dcl","line":3,"column":6,"end_line":3,"end_column":7,"severity":"error",
//    "code":"E0023","message":"…","labels":[…],"notes":[],"hint":"use `==` to compare"}
//
// Written by hand rather than with JSONEncoder so the key order is fixed and documented.

import DCLText

extension DiagnosticRenderer {
    /// Every diagnostic as one JSON line (each line ends with a newline).
    public func json(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map { json($0) + "\n" }.joined()
    }

    /// One diagnostic as a single-line JSON object.
    public func json(_ d: Diagnostic) -> String {
        var out = "{" + location(d.span)
        out += ",\"severity\":" + DiagnosticRenderer.jsonString(d.severity.rawValue)
        out += ",\"code\":" + DiagnosticRenderer.jsonString(d.code)
        out += ",\"message\":" + DiagnosticRenderer.jsonString(d.message)
        out += ",\"labels\":[" + d.labels.map { "{" + location($0.span) + ",\"message\":" + DiagnosticRenderer.jsonString($0.message) + "}" }.joined(separator: ",") + "]"
        out += ",\"notes\":[" + d.notes.map(DiagnosticRenderer.jsonString).joined(separator: ",") + "]"
        out += ",\"hint\":" + (d.hint.map(DiagnosticRenderer.jsonString) ?? "null")
        return out + "}"
    }

    /// `"file":…,"line":…,"column":…,"end_line":…,"end_column":…` (nulls for no place).
    func location(_ span: SourceSpan) -> String {
        guard let f = sources.file(span.file) else {
            return "\"file\":null,\"line\":null,\"column\":null,\"end_line\":null,\"end_column\":null"
        }
        let a = f.lineColumn(of: Int(span.start)), b = f.lineColumn(of: Int(span.end))
        return "\"file\":\(DiagnosticRenderer.jsonString(f.path)),\"line\":\(a.line),\"column\":\(a.column),\"end_line\":\(b.line),\"end_column\":\(b.column)"
    }

    /// A JSON string literal (RFC 8259 escapes; non-ASCII passes through as UTF-8).
    public static func jsonString(_ s: String) -> String { quoted(s, .json) }
}
