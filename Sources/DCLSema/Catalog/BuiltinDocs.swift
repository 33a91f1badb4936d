// docs/builtins.md, generated from the catalog (a test keeps the file in step).

extension Builtins {
    static let kindTitles: [(BuiltinKind, String)] = [
        (.layer, "Layers"), (.tensorOp, "Tensor functions"), (.loss, "Losses"), (.script, "Scripting"),
        (.dataSource, "Data sources"), (.transform, "Data transforms (after `|>`)"), (.partitioner, "Client partitioners"),
        (.optimizer, "Optimisers"), (.schedule, "Learning-rate schedules"), (.model, "Models, training and evaluation"),
        (.pattern, "Pattern constructors (DC-CCL, ICIIA, CoDA)"), (.output, "Results: figures and predictions"),
    ]

    /// The reference of every built-in, in Markdown.
    public static var markdownReference: String {
        var out = ["# Built-in layers and functions", "",
                   "Generated from the catalog in `Sources/DCLSema/Catalog` (the checker, the interpreter and the REPL read the",
                   "same table). Regenerate with `DCL_UPDATE_SNAPSHOTS=1 swift test --filter BuiltinDocsTests`.", ""]
        for (kind, title) in kindTitles {
            let specs = all.filter { $0.kind == kind }
            guard !specs.isEmpty else { continue }
            out += ["## \(title)", "", "| name | parameters | |", "|---|---|---|"]
            for s in specs {
                let params = s.params.map { p -> String in
                    var t = "`\(p.name)`: \(p.type)"
                    if let d = p.defaultValue { t += " = \(d)" }
                    if !p.choices.isEmpty { t += " (\(p.choices.map { "`\($0)`" }.joined(separator: ", ")))" }
                    return t
                }.joined(separator: ", ")
                let doc = s.doc.replacingOccurrences(of: "|", with: "\\|")
                out.append("| `\(s.name)` | \(params.isEmpty ? "—" : params.replacingOccurrences(of: "|", with: "\\|")) | \(doc) |")
            }
            out.append("")
        }
        out += ["## Methods", "", "| receiver | method | |", "|---|---|---|"]
        for t in [DCLType.retrieval, .plugin] {
            for m in Members.methods(of: t) {
                out.append("| \(t) | `\(m.name)(\(m.params.map(\.name).joined(separator: ", ")))` | \(m.doc) |")
            }
        }
        out.append("")
        return out.joined(separator: "\n")
    }
}
