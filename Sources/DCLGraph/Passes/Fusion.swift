// Fusion into GEMM / convolution epilogues, where it pays: a bias `add` and a following
// activation are folded into the producing matmul or conv2d, saving a full read and write of
// the activation tensor per fused op (and the buffers in the memory plan).
//
//   matmul(a, b)          → add(·, bias[N])  → matmul(a, b, bias)
//   matmul(…) / conv2d(…) → relu|sigmoid|tanh|gelu|leaky_relu → matmul/conv2d(…, activation)
//
// A rewrite fires only when the producer's output has exactly one reader (the consumer) and is
// not a graph output or assigned, so no other node ever needs the unfused value. Because the
// backward of relu/sigmoid/tanh reads the activation's output, fusing after autodiff keeps
// working for them; for gelu/leaky_relu the backward reads the pre-activation, which is then a
// second reader, so those only fuse in inference graphs (or before autodiff, where the fused
// VJP recomputes the pre-activation).

/// Epilogue fusion.
extension Passes {
    public static func fuse(_ graph: Graph) throws -> Graph {
        var g = graph
        var changed = true
        while changed {
            changed = false
            let uses = g.useCounts()
            let producers = g.producers()
            for (j, consumer) in g.nodes.enumerated() {
                guard let src = consumer.inputs.first, let i = producers[src], uses[src] == 1, g.nodes[i].outputs.count == 1 else { continue }
                let producer = g.nodes[i]
                guard let fused = fusedOp(producer, consumer, g, defined: i) else { continue }
                var node = producer
                node.op = fused.op
                node.inputs = producer.inputs + fused.extraInputs
                node.outputs = consumer.outputs
                g.types[producer.outputs[0]] = nil
                g.nodes[i] = node
                g.nodes.remove(at: j)
                g.reindex()
                changed = true
                break
            }
        }
        try Verifier.verify(g)
        return g
    }

    /// The fused op for producer → consumer, if a rule applies; `defined` is the producer's
    /// index, before which any extra input must be defined.
    static func fusedOp(_ p: Node, _ c: Node, _ g: Graph, defined i: Int) -> (op: any Primitive, extraInputs: [ValueID])? {
        let act = (c.op as? any ActivationPrimitive)?.activation
        if var mm = p.op as? MatMul, mm.activation == .identity {
            if let act {
                mm.activation = act
                return (mm, [])
            }
            if c.op is Add, p.inputs.count == 2, c.inputs.count == 2 {
                let bias = c.inputs[1]
                let outDims = g.type(of: p.outputs[0]).dims
                guard g.type(of: bias).dims == [outDims.last!], isDefined(bias, before: i, g) else { return nil }
                return (mm, [bias])
            }
        }
        if var conv = p.op as? Conv2DOp, conv.activation == .identity, let act {
            conv.activation = act
            return (conv, [])
        }
        return nil
    }

    static func isDefined(_ v: ValueID, before i: Int, _ g: Graph) -> Bool {
        if case .node(let k, _)? = g.sources[v] { return k < i }
        return true
    }
}
