// Hover: on a line of a model body, the shape it leaves (batch symbolic) with its parameters
// and FLOPs; on a model's name, its summary; on a role or bundle, the budget and what the
// bundle uses of it; on a built-in, its signature and documentation from the catalog
// (docs/builtins.md's source); on other names, their definition.

import DCLDiagnostics
import DCLGraph
import DCLSema
import DCLSyntax
import Foundation

extension LanguageServer {
    func hover(_ p: PositionParams, _ s: DocumentState) throws -> Hover? {
        guard let nav = Navigator(s.analysis) else { return nil }
        let offset = s.document.lines.offset(of: p.position)
        var parts: [String] = []
        var range: Range?
        if let line = Hovering.lineFacts(at: offset, in: s.analysis, file: nav.main.file.id) {
            parts.append(Hovering.describe(line))
        }
        if let n = nav.name(at: offset), let d = nav.resolve(n, at: offset) {
            range = s.document.lines.range(Int(n.span.start), Int(n.span.end))
            if let text = Hovering.describe(d, analysis: s.analysis) { parts.append(text) }
        }
        guard !parts.isEmpty else { return nil }
        return Hover(contents: MarkupContent(markdown: parts.joined(separator: "\n\n---\n\n")), range: range)
    }
}

enum Hovering {
    /// The innermost statement with shape facts containing `offset`.
    static func lineFacts(at offset: Int, in a: Analysis, file: FileID) -> LineFacts? {
        a.facts.lines.values
            .filter { $0.span.file == file && Int($0.span.start) <= offset && offset <= Int($0.span.end) }
            .min { $0.span.length < $1.span.length }
    }

    static func describe(_ f: LineFacts) -> String {
        "**shape** `\(f.shape)`\n\nparameters: \(formatThousands(f.params)) · FLOPs per sample: \(formatCount(f.flops))"
            + " (in model `\(f.model)`)"
    }

    static func describe(_ d: Definition, analysis a: Analysis) -> String? {
        switch d {
        case .builtin(let spec):
            var s = "```dcl\n\(spec.signature)\n```\n\n\(spec.doc)"
            let documented = spec.params.filter { !$0.doc.isEmpty || !$0.choices.isEmpty }
            if !documented.isEmpty {
                s += "\n\n" + documented.map { p in
                    "- `\(p.name)`: " + p.doc + (p.choices.isEmpty ? "" : " (\(p.choices.map { "`\($0)`" }.joined(separator: ", ")))")
                }.joined(separator: "\n")
            }
            return s
        case .importAlias(let imp):
            return "module `\(imp.module?.name ?? "?")`"
        case .local(let id, _):
            return "local `\(id.name)`"
        case .topLevel(let id, let module, let decl):
            guard let decl else {
                if let m = a.facts.boundModels[id.name], module === a.main { return m.summary.markdown }
                return "```dcl\n\(firstLine(module.file, id.span))\n```" + origin(module, a)
            }
            switch decl.kind {
            case .model(let md):
                let header = "```dcl\n\(firstLine(module.file, decl.name.span))\n```" + origin(module, a)
                guard let summary = a.facts.models[md.name.span]?.summary else {
                    return header + "\n\nnot elaborated by this script (it builds no instance and not all its parameters have defaults)"
                }
                return summary.markdown + "\n" + header
            case .role:
                var s = "```dcl\n\(module.file.text(of: spanOfItem(decl, in: module)))\n```"
                let uses = a.facts.bundles.values.filter { $0.role == id.name }.sorted { $0.bundle < $1.bundle }
                for b in uses {
                    s += "\n\n**bundle `\(b.bundle)`**: " + (b.lines.isEmpty ? "the role sets no budget"
                        : "uses\n" + b.lines.map { "- \($0)" }.joined(separator: "\n"))
                }
                if uses.isEmpty { s += "\n\nno bundle of this script was measured against this role" }
                return s
            case .bundle(_, let role, _):
                var s = "**bundle `\(id.name)`** for role `\(role.name)`"
                if let b = a.facts.bundles[id.name] {
                    s += "\n\n" + (b.lines.isEmpty ? "the role sets no budget" : b.lines.map { "- \($0)" }.joined(separator: "\n"))
                } else {
                    s += "\n\nnot measured by check (it depends on data, or the script has errors); `dcl compile` measures it"
                }
                return s
            default:
                return "```dcl\n\(firstLine(module.file, decl.name.span))\n```" + origin(module, a)
            }
        }
    }

    /// The whole top-level statement of a declaration.
    static func spanOfItem(_ d: Decl, in m: DCLModule) -> SourceSpan {
        m.program.items.first { $0.span.start <= d.name.span.start && d.name.span.end <= $0.span.end }?.span ?? d.name.span
    }

    static func firstLine(_ f: SourceFile, _ span: SourceSpan) -> String {
        f.lineText(f.lineIndex(of: Int(span.start))).trimmingCharacters(in: .whitespaces)
    }

    static func origin(_ m: DCLModule, _ a: Analysis) -> String {
        m === a.main ? "" : "\n\nfrom `\(m.name)`"
    }
}
