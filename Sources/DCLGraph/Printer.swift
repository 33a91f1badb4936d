// The readable text form of a graph (bundles store graphs this way; `GraphParser` reads it back
// and print → parse → print is the identity):
//
//   graph {
//     input %0 "x" : f32[N,784]
//     param %1 "fc1.weight" : f32[784,256] init=kaiming_uniform(fan_in=784,a=2.236068) trainable
//     const %2 : f32[] = [1.0]
//     %3 = matmul(%0, %1) {transpose_a=false, transpose_b=false} : f32[N,256] @"fc1" #12
//     %4, %5 = top_k(%3) {k=3} : f32[N,3], i32[N,3] @"top" #0
//     output "logits" = %3
//     assign "bn.running_mean" = %9
//   }
//
// `@"…"` is the node's name (scope path) and `#n` its origin tag.

import DCLTensor

/// Renders graphs as text.
public enum GraphPrinter {
    public static func print(_ g: Graph) -> String {
        var lines = ["graph {"]
        for i in g.inputs {
            lines.append("  input \(i.value) \(quote(i.name)) : \(g.type(of: i.value))")
        }
        for p in g.parameters {
            lines.append("  param \(p.value) \(quote(p.name)) : \(p.type) init=\(p.initializer) \(p.trainable ? "trainable" : "frozen")")
        }
        for c in g.constants {
            lines.append("  const \(c.value) : \(g.type(of: c.value)) = \(formatData(c.tensor))")
        }
        for n in g.nodes {
            let outs = n.outputs.map(\.description).joined(separator: ", ")
            let ins = n.inputs.map(\.description).joined(separator: ", ")
            let attrs = n.op.attributes.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
            let types = n.outputs.map { g.type(of: $0).description }.joined(separator: ", ")
            lines.append("  \(outs) = \(n.opName)(\(ins)) {\(attrs)} : \(types) @\(quote(n.name)) #\(n.origin)")
        }
        for o in g.outputs { lines.append("  output \(quote(o.name)) = \(o.value)") }
        for a in g.assignments { lines.append("  assign \(quote(a.parameter)) = \(a.value)") }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func formatData(_ t: Tensor) -> String {
        switch t.dtype {
        case .float32: return "[" + t.floats.map(formatFloat).joined(separator: ", ") + "]"
        case .int32: return "[" + t.ints.map { String($0) }.joined(separator: ", ") + "]"
        }
    }
}

extension Graph: CustomStringConvertible {
    /// The graph's text form.
    public var description: String { GraphPrinter.print(self) }
}
