// Reverse-mode automatic differentiation as a graph transformation.
//
// Given a graph, a scalar loss value and the values to differentiate with respect to, this
// appends the backward nodes to the graph and returns the gradient value of each target. Only
// nodes on a path from a target to the loss get backward nodes: a value is "active" if it
// depends on a target through differentiable edges (stop_gradient and non-differentiable ops
// cut the path) and the loss depends on it. Frozen parameters are simply not targets, so
// nothing upstream of them alone is differentiated.
//
// Cotangents reaching a value from several uses are summed with `add` nodes in reverse node
// order, which fixes the summation order (determinism).
//
// Row-sparse targets (embedding tables read only by `gather`) get no dense gradient: each
// gather's cotangent and indices are returned as a piece, in the same reverse node order, and
// the caller coalesces them (TrainingGraph, `coalesce_rows`) without a table-sized buffer.

/// One gather's contribution to a row-sparse gradient: `rows` (the gather output's cotangent)
/// belong to the table rows `indices`.
public struct RowSparsePiece {
    public var rows: GraphValue
    public var indices: GraphValue
}

/// Gradient graph construction.
public enum Autodiff {
    /// Appends the backward pass to `builder`'s graph and returns the gradient of `loss` for each
    /// of `targets` (absent if the loss does not depend on it). `loss` must be a scalar-like
    /// float value.
    public static func gradients(of loss: GraphValue, wrt targets: [GraphValue], in builder: GraphBuilder) throws -> [ValueID: GraphValue] {
        try gradients(of: loss, wrt: targets, rowSparse: [], in: builder).dense
    }

    /// As `gradients(of:wrt:in:)`, but the targets in `rowSparse` — which must be read only as
    /// gather's table — get their gradient as pieces instead (absent if the loss does not
    /// depend on them).
    public static func gradients(of loss: GraphValue, wrt targets: [GraphValue], rowSparse: Set<ValueID>, in builder: GraphBuilder) throws
        -> (dense: [ValueID: GraphValue], sparse: [ValueID: [RowSparsePiece]]) {
        let g = builder.graph
        guard loss.type.dtype == .float32, loss.type.isScalarLike else {
            throw GraphError(op: "autodiff", "the loss must be a float32 scalar, got \(loss.type)")
        }
        let targetSet = Set(targets.map(\.id))
        let forwardNodes = g.nodes

        // Values that depend on a target through differentiable edges.
        var dependsOnTarget = targetSet
        for n in forwardNodes {
            let types = n.inputs.map { g.type(of: $0) }
            let live = n.inputs.indices.contains { i in dependsOnTarget.contains(n.inputs[i]) && n.op.isDifferentiable(input: i, types: types) }
            if live { for o in n.outputs where g.type(of: o).dtype == .float32 { dependsOnTarget.insert(o) } }
        }
        guard dependsOnTarget.contains(loss.id) else { return ([:], [:]) }

        // Values the loss depends on (through any edge).
        var neededByLoss: Set<ValueID> = [loss.id]
        for n in forwardNodes.reversed() where n.outputs.contains(where: neededByLoss.contains) {
            neededByLoss.formUnion(n.inputs)
        }
        let active = dependsOnTarget.intersection(neededByLoss)

        var cotangent: [ValueID: GraphValue] = [loss.id: builder.constant(try onesLike(loss.type))]
        var pieces: [ValueID: [RowSparsePiece]] = [:]
        func accumulate(_ v: ValueID, _ grad: GraphValue) throws {
            if let existing = cotangent[v] {
                cotangent[v] = try builder.add(existing, grad, name: nil)
            } else {
                cotangent[v] = grad
            }
        }

        let savedOrigin = builder.origin
        defer { builder.origin = savedOrigin }
        for n in forwardNodes.reversed() {
            let cots = n.outputs.map { cotangent[$0] }
            guard cots.contains(where: { $0 != nil }) else { continue }
            let types = n.inputs.map { g.type(of: $0) }
            let needs = n.inputs.indices.map { i in active.contains(n.inputs[i]) && n.op.isDifferentiable(input: i, types: types) }
            guard needs.contains(true) else { continue }
            if n.op is GatherRows, needs[0], rowSparse.contains(n.inputs[0]), let rows = cots[0] {
                pieces[n.inputs[0], default: []].append(RowSparsePiece(rows: rows, indices: g.value(n.inputs[1])))
                continue
            }
            builder.origin = n.origin
            let ctx = VJPContext(builder: builder, inputs: n.inputs.map { g.value($0) }, outputs: n.outputs.map { g.value($0) },
                                 cotangents: cots, needsGradient: needs)
            let grads: [GraphValue?]
            do {
                grads = try builder.scope(n.name + ".grad") { try n.op.vjp(ctx) }
            } catch var e as GraphError {
                if e.node == nil { e.node = n.name; e.origin = n.origin }
                throw e
            }
            guard grads.count == n.inputs.count else {
                throw GraphError(op: n.opName, "gradient returned \(grads.count) values for \(n.inputs.count) inputs", node: n.name, origin: n.origin)
            }
            for (i, gi) in grads.enumerated() where needs[i] {
                guard let gi else { continue }
                guard gi.type == types[i] else {
                    throw GraphError(op: n.opName, "gradient for input \(i) is \(gi.type), expected \(types[i])", node: n.name, origin: n.origin)
                }
                try accumulate(n.inputs[i], gi)
            }
        }
        var result: [ValueID: GraphValue] = [:]
        for t in targets {
            if let c = cotangent[t.id] {
                guard pieces[t.id] == nil else {
                    throw GraphError(op: "autodiff", "value \(t.id) was marked row-sparse but is also used other than as gather's table")
                }
                result[t.id] = c
            }
        }
        return (result, pieces)
    }

    /// The gradients of `loss` with respect to the trainable parameters of `graph` (or the named
    /// subset), as a new graph plus a map from parameter name to gradient value. Parameters the
    /// loss does not depend on are absent from the map.
    public static func parameterGradients(of loss: ValueID, in graph: Graph, parameters names: [String]? = nil) throws
        -> (graph: Graph, gradients: [String: ValueID]) {
        let r = try splitParameterGradients(of: loss, in: graph, parameters: names, rowSparse: [])
        return (r.graph, r.dense)
    }

    /// As `parameterGradients`, with the parameters named in `rowSparse` (tables read only by
    /// `gather`) getting row-sparse gradient pieces instead of dense gradients.
    public static func splitParameterGradients(of loss: ValueID, in graph: Graph, parameters names: [String]? = nil,
                                               rowSparse: Set<String>) throws
        -> (graph: Graph, dense: [String: ValueID], sparse: [String: [RowSparsePiece]]) {
        let builder = GraphBuilder(graph: graph)
        let chosen = try (names ?? graph.parameters.filter(\.trainable).map(\.name)).map { name -> Parameter in
            guard let p = graph.parameter(named: name) else { throw GraphError(op: "autodiff", "no parameter '\(name)'") }
            return p
        }
        let sparseIDs = Set(chosen.filter { rowSparse.contains($0.name) }.map(\.value))
        let (grads, pieces) = try gradients(of: graph.value(loss), wrt: chosen.map { graph.value($0.value) }, rowSparse: sparseIDs, in: builder)
        var out: [String: ValueID] = [:], sparse: [String: [RowSparsePiece]] = [:]
        for p in chosen {
            if let gv = grads[p.value] { out[p.name] = gv.id }
            if let ps = pieces[p.value] { sparse[p.name] = ps }
        }
        return (builder.graph, out, sparse)
    }

    static func onesLike(_ t: TensorType) throws -> Tensor {
        guard let shape = t.constantShape else { throw GraphError(op: "autodiff", "the loss must have a constant shape, got \(t)") }
        return try Tensor(shape: shape, floats: [Float](repeating: 1, count: shape.reduce(1, *)))
    }
}

import DCLTensor
