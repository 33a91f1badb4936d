// Document symbols: the file's imports, declarations and top-level bindings, with a model's
// inputs, sections and local bindings (and a function's or block's locals) as children.

import DCLDiagnostics
import DCLSyntax

extension LanguageServer {
    func documentSymbols(_ p: DocumentParams, _ s: DocumentState) throws -> [DocumentSymbol] {
        guard let main = s.analysis.main else { return [] }
        let lines = s.document.lines
        func range(_ span: SourceSpan) -> Range { lines.range(Int(span.start), Int(span.end)) }
        func symbol(_ name: String, _ detail: String?, _ kind: Int, _ whole: SourceSpan, _ id: SourceSpan, _ children: [DocumentSymbol]? = nil) -> DocumentSymbol {
            DocumentSymbol(name: name, detail: detail, kind: kind, range: range(whole), selectionRange: range(id), children: children)
        }
        func body(_ block: Block) -> [DocumentSymbol] {
            var out: [DocumentSymbol] = []
            for st in block.statements {
                switch st.kind {
                case .input(let name, let type): out.append(symbol(name.name, "input " + main.file.text(of: type.span), 8, st.span, name.span))
                case .section(let kind, let b, let kw): out.append(symbol(kind.rawValue, "section", 3, st.span, kw, body(b)))
                case .binding(let name, _, _, _): out.append(symbol(name.name, nil, 13, st.span, name.span))
                case .assign(let target, .assign, _):
                    if case .name(let id) = target.kind, !out.contains(where: { $0.name == id.name }) { out.append(symbol(id.name, nil, 13, st.span, id.span)) }
                default: break
                }
            }
            return out
        }
        var out: [DocumentSymbol] = []
        for item in main.program.items {
            switch item.kind {
            case .importDecl(let imp):
                let name: String
                switch imp.target {
                case .module(let parts): name = parts.map(\.name).joined(separator: ".")
                case .file(let path, _): name = path
                }
                out.append(symbol(name, imp.alias.map { "as " + $0.name }, 2, item.span, imp.alias?.span ?? item.span))
            case .binding(let name, _, _, let mutable):
                out.append(symbol(name.name, mutable ? "var" : "let", 13, item.span, name.span))
            case .decl(let d):
                let kind: Int, children: [DocumentSymbol]?
                switch d.kind {
                case .model(let m): kind = 5; children = body(m.body)
                case .block(let b): kind = 5; children = body(b.body)
                case .function(let f): kind = 12; children = body(f.body)
                case .role: kind = 23; children = nil
                case .bundle: kind = 2; children = nil
                case .param: kind = 14; children = nil
                default: kind = 13; children = nil
                }
                out.append(symbol(d.name.name, d.keyword, kind, item.span, d.name.span, children))
            default: break
            }
        }
        return out
    }
}
