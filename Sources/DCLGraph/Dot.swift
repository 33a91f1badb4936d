// Graphviz DOT rendering: inputs and parameters as ellipses, constants as notes, nodes as boxes
// labelled with op and output shape, edges labelled with value ids.

/// Renders graphs as Graphviz DOT.
public enum DotWriter {
    public static func render(_ g: Graph, title: String = "graph") -> String {
        var lines = ["digraph \(quote(title)) {", "  rankdir=TB;", "  node [fontname=\"Helvetica\", fontsize=10];"]
        func dotID(_ v: ValueID) -> String {
            switch g.sources[v] {
            case .node(let i, _)?: return "n\(i)"
            default: return "v\(v.raw)"
            }
        }
        for i in g.inputs {
            lines.append("  v\(i.value.raw) [shape=ellipse, style=filled, fillcolor=\"#dbeafe\", label=\(quote("\(i.name)\n\(g.type(of: i.value))"))];")
        }
        for p in g.parameters {
            let color = p.trainable ? "#dcfce7" : "#f3f4f6"
            lines.append("  v\(p.value.raw) [shape=ellipse, style=filled, fillcolor=\"\(color)\", label=\(quote("\(p.name)\n\(p.type)"))];")
        }
        for c in g.constants {
            lines.append("  v\(c.value.raw) [shape=note, label=\(quote("const \(g.type(of: c.value))"))];")
        }
        for (i, n) in g.nodes.enumerated() {
            let types = n.outputs.map { g.type(of: $0).description }.joined(separator: ", ")
            lines.append("  n\(i) [shape=box, style=rounded, label=\(quote("\(n.opName)\n\(n.name)\n\(types)"))];")
            for v in n.inputs { lines.append("  \(dotID(v)) -> n\(i) [label=\(quote(v.description))];") }
        }
        for o in g.outputs {
            lines.append("  out_\(sanitize(o.name)) [shape=doublecircle, label=\(quote(o.name))];")
            lines.append("  \(dotID(o.value)) -> out_\(sanitize(o.name));")
        }
        for a in g.assignments {
            if let p = g.parameter(named: a.parameter) {
                lines.append("  \(dotID(a.value)) -> v\(p.value.raw) [style=dashed, constraint=false, label=\"assign\"];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func sanitize(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}
