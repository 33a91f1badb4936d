// Structural and type checks run after building and after every pass.

/// Checks a graph's invariants (see Graph.swift), throwing the first violation.
public enum Verifier {
    public static func verify(_ g: Graph) throws {
        func fail(_ m: String, _ node: Node? = nil) -> GraphError {
            GraphError(op: "verify", m, node: node?.name, origin: node?.origin)
        }
        var defined = Set<ValueID>()
        func define(_ v: ValueID, _ what: String) throws {
            guard g.types[v] != nil else { throw fail("\(what) \(v) has no type") }
            guard defined.insert(v).inserted else { throw fail("value \(v) is defined twice") }
        }
        var names = Set<String>()
        for i in g.inputs {
            try define(i.value, "input")
            guard names.insert("input:" + i.name).inserted else { throw fail("input '\(i.name)' is defined twice") }
        }
        for p in g.parameters {
            try define(p.value, "parameter")
            guard names.insert("param:" + p.name).inserted else { throw fail("parameter '\(p.name)' is defined twice") }
            guard g.type(of: p.value) == p.type else { throw fail("parameter '\(p.name)' has type \(g.type(of: p.value)), expected \(p.type)") }
        }
        for c in g.constants {
            try define(c.value, "constant")
            guard g.type(of: c.value) == TensorType(c.tensor.dtype, c.tensor.shape.map { Dim($0) }) else {
                throw fail("constant \(c.value) has a type that does not match its tensor")
            }
        }
        for n in g.nodes {
            for v in n.inputs where !defined.contains(v) {
                throw fail("\(n.opName) reads \(v) before it is defined", n)
            }
            let inTypes = n.inputs.map { g.type(of: $0) }
            let outTypes: [TensorType]
            do { outTypes = try n.op.inferTypes(inTypes) } catch let e as GraphError {
                throw fail("\(n.opName) no longer type-checks: \(e.message)", n)
            }
            guard outTypes.count == n.outputs.count else { throw fail("\(n.opName) has \(n.outputs.count) outputs, expected \(outTypes.count)", n) }
            for (o, t) in zip(n.outputs, outTypes) {
                try define(o, "output of \(n.opName)")
                guard g.type(of: o) == t else { throw fail("\(n.opName) output \(o) is \(g.type(of: o)), inferred \(t)", n) }
            }
        }
        for o in g.outputs {
            guard defined.contains(o.value) else { throw fail("output '\(o.name)' refers to undefined \(o.value)") }
            guard names.insert("output:" + o.name).inserted else { throw fail("output '\(o.name)' is defined twice") }
        }
        var assigned = Set<String>()
        for a in g.assignments {
            guard defined.contains(a.value) else { throw fail("assignment to '\(a.parameter)' uses undefined \(a.value)") }
            guard let p = g.parameter(named: a.parameter) else { throw fail("assignment to unknown parameter '\(a.parameter)'") }
            guard p.type == g.type(of: a.value) else { throw fail("assignment to '\(a.parameter)' has type \(g.type(of: a.value)), expected \(p.type)") }
            guard assigned.insert(a.parameter).inserted else { throw fail("parameter '\(a.parameter)' is assigned twice") }
        }
        guard defined.count == g.types.count else { throw fail("the graph has \(g.types.count - defined.count) typed values that nothing defines") }
    }
}
