// Dead-node elimination and constant folding. Each returns a verified graph.

import DCLTensor

/// Graph clean-up passes.
public enum Passes {
    /// Removes nodes none of whose outputs reaches a graph output or an assignment, then
    /// constants that no node reads any more. Inputs and parameters are kept (they are the
    /// graph's interface).
    public static func eliminateDeadNodes(_ graph: Graph) throws -> Graph {
        var g = graph
        var needed = Set(g.outputs.map(\.value)).union(g.assignments.map(\.value))
        var keep = [Bool](repeating: false, count: g.nodes.count)
        for (i, n) in g.nodes.enumerated().reversed() where n.outputs.contains(where: needed.contains) {
            keep[i] = true
            needed.formUnion(n.inputs)
        }
        let removed = g.nodes.enumerated().filter { !keep[$0.offset] }.flatMap { $0.element.outputs }
        g.nodes = g.nodes.enumerated().filter { keep[$0.offset] }.map(\.element)
        g.constants = g.constants.filter { needed.contains($0.value) }
        for v in removed { g.types[v] = nil }
        g.reindex()
        try Verifier.verify(g)
        return g
    }

    /// Largest output (elements) a folded node may produce: bigger results stay computed at run
    /// time rather than bloating the graph text.
    public static let foldLimit = 1 << 16

    /// Evaluates nodes whose inputs are all constants (and whose op is foldable) and replaces
    /// their outputs with constants, then removes the dead nodes.
    public static func foldConstants(_ graph: Graph, pool: ThreadPool = .shared) throws -> Graph {
        var g = graph
        var folded = Set<Int>()
        for (i, n) in g.nodes.enumerated() {
            guard n.op.isFoldable, !n.inputs.isEmpty,
                  n.inputs.allSatisfy({ g.constantTensor(of: $0) != nil }),
                  let outShapes = n.outputs.map({ g.type(of: $0).constantShape }) as? [[Int]],
                  outShapes.allSatisfy({ $0.reduce(1, *) <= foldLimit }) else { continue }
            let ins = n.inputs.map { g.constantTensor(of: $0)! }
            let outs = try zip(n.outputs, outShapes).map { try Tensor(zeros: $1, dtype: g.type(of: $0).dtype) }
            let io = KernelIO(inputs: ins.map { TensorRef(data: $0.storage.bytes, shape: $0.shape, dtype: $0.dtype) },
                              outputs: outs.map { TensorRef(data: $0.storage.bytes, shape: $0.shape, dtype: $0.dtype) },
                              pool: pool, step: 0, bindings: [:])
            do { try n.op.execute(io) } catch { continue }  // leave it to fail at run time, with context
            for (v, t) in zip(n.outputs, outs) {
                g.sources[v] = .constant(g.constants.count)   // later nodes see it as constant
                g.constants.append(Constant(value: v, tensor: t))
            }
            folded.insert(i)
        }
        if folded.isEmpty { return graph }
        g.nodes = g.nodes.enumerated().filter { !folded.contains($0.offset) }.map(\.element)
        g.reindex()
        try Verifier.verify(g)
        return try eliminateDeadNodes(g)
    }
}
