// Inlay hints: after each statement of a model body that adds to the graph, the shape it leaves
// (`→ [N, 6, 12, 12]`), at the end of the statement's last line. Off when the client sets
// `dcl.inlayHints.shapes` to false.

extension LanguageServer {
    func inlayHints(_ p: RangeParams, _ s: DocumentState) throws -> [InlayHint] {
        lock.lock()
        let enabled = configuration.shapeHints
        lock.unlock()
        guard enabled, let main = s.analysis.main else { return [] }
        let lines = s.document.lines
        let lo = lines.offset(of: p.range.start), hi = lines.offset(of: p.range.end)
        // One hint per line: of the statements ending on it, the one ending last (the outer one
        // if a loop closes there) — the shape the line leaves.
        var chosen: [Int: LineFacts] = [:]
        for f in s.analysis.facts.lines.values where f.span.file == main.file.id && Int(f.span.end) >= lo && Int(f.span.start) <= hi {
            let line = lines.position(of: Int(f.span.end)).line
            if let old = chosen[line], (old.span.end, old.span.length) >= (f.span.end, f.span.length) { continue }
            chosen[line] = f
        }
        return chosen.sorted { $0.key < $1.key }.map { line, f in
            InlayHint(position: lines.position(of: lines.lineEnd(line)), label: "→ " + f.shape, kind: 1, paddingLeft: true)
        }
    }
}
