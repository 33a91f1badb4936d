// Go to definition: a local or top-level name in this document, a name from an import (a
// StdLib module opens as a read-only file, see `StdLibFiles`), an import itself (the module's
// file). Built-ins have no source: null.

import DCLDiagnostics
import DCLSema

extension LanguageServer {
    func definition(_ p: PositionParams, _ s: DocumentState) throws -> Location? {
        guard let nav = Navigator(s.analysis) else { return nil }
        let offset = s.document.lines.offset(of: p.position)
        if let n = nav.name(at: offset), let d = nav.resolve(n, at: offset) {
            switch d {
            case .builtin: return nil
            case .importAlias(let imp):
                return imp.module.flatMap { moduleLocation($0, s) }
            default:
                guard let id = d.identifier else { return nil }
                return location(id.span, s)
            }
        }
        // On an import's path: the module it loads.
        if let imp = nav.main.imports.first(where: { Int($0.span.start) <= offset && offset <= Int($0.span.end) }), let m = imp.module {
            return moduleLocation(m, s)
        }
        return nil
    }

    func location(_ span: SourceSpan, _ s: DocumentState) -> Location? {
        guard let f = s.analysis.sources.file(span.file) else { return nil }
        if f.id == s.analysis.main?.file.id {
            return Location(uri: s.document.uri, range: s.document.lines.range(Int(span.start), Int(span.end)))
        }
        guard let uri = stdlib.uri(forSourcePath: f.path) else { return nil }
        return Location(uri: uri, range: LineIndex(f.bytes).range(Int(span.start), Int(span.end)))
    }

    func moduleLocation(_ m: DCLModule, _ s: DocumentState) -> Location? {
        location(SourceSpan(file: m.file.id, start: 0, end: 0), s)
    }
}
