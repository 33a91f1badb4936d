// Renaming a graph's parameters and nodes without touching its structure — what the runtime
// needs to recognise that two devices' graphs are the same graph over different models.
//
// A fleet's device iteration makes fresh model copies, and a graph that inlines a model names
// its parameters and nodes after the model's id (`m17/fc.weight`, `m17/fc`). Renaming the ids to
// their order of appearance gives every device the same canonical graph, whose text is then a
// complete key for a compiled training or inference executor (GraphPrinter prints every type,
// attribute, constant and connection; print → parse → print is the identity).

extension Graph {
    /// The graph with every parameter name (in parameters and assignments) passed through
    /// `parameter`, and every node name through `node`. Returns nil when two parameters would get
    /// the same name (the renaming must be one-to-one for the result to mean the same).
    public func renamed(parameters parameter: (String) -> String, nodes node: (String) -> String) -> Graph? {
        var g = self
        var seen = Set<String>()
        for i in g.parameters.indices {
            let new = parameter(g.parameters[i].name)
            guard seen.insert(new).inserted else { return nil }
            g.parameters[i].name = new
        }
        for i in g.assignments.indices { g.assignments[i].parameter = parameter(g.assignments[i].parameter) }
        for i in g.nodes.indices { g.nodes[i].name = node(g.nodes[i].name) }
        return g
    }
}
