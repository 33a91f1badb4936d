// Applying a model inside another graph (a model used as a layer, a fused model, an objective)
// copies its forward graph in. Its parameters stay its own: each is recorded in the context's
// `ParameterOwners` (under `ParameterRef.graphName`), so the run binds it to that instance's
// weights — training the composite trains the part. Its nodes' names get the same prefix.

import DCLDiagnostics
import DCLGraph
import DCLTensor

extension Elaborator {
    func applyModel(_ m: ModelInstance, to args: [Value], span: SourceSpan) throws -> Value {
        guard let ctx = elaboration else {
            throw RuntimeError(RuntimeCode.type, "a model applies to tensors inside an objective or another model", at: span,
                               hint: "to run a model on data use `evaluate(…)` (or `dcl predict` on a compiled bundle)")
        }
        guard args.count == m.inputs.count else {
            throw RuntimeError(RuntimeCode.type, "`\(m.name)` takes \(m.inputs.count) input\(m.inputs.count == 1 ? "" : "s") (\(m.inputDescription)), found \(args.count)",
                               at: span)
        }
        var values: [GraphValue] = []
        for (i, a) in args.enumerated() {
            guard case .tensor(let t) = a, t.context === ctx else {
                throw RuntimeError(RuntimeCode.type, "`\(m.name)` applies to tensors, found \(a.kindName)", at: span)
            }
            let expected = m.inputs[i]
            let perSample = Array(t.type.dims.dropFirst())
            guard t.type.dtype == expected.dtype, perSample == expected.shape.map({ Dim($0) }) else {
                throw RuntimeError(RuntimeCode.shape,
                                   "`\(m.name)` expects \(expected.name): \(expected.dtype.rawValue)\(formatShape(expected.shape)) per sample, found \(t.type)",
                                   at: span)
            }
            values.append(t.value)
        }
        ctx.at(span)
        if !ctx.inlinedModels.contains(where: { $0 === m }) { ctx.inlinedModels.append(m) }
        return ctx.tensor(try inline(m, into: ctx, inputs: values, training: ctx.trainingMode(for: m), span: span))
    }

    /// Copies `m`'s forward graph into `ctx`, feeding `inputs`; returns the copy's output.
    func inline(_ m: ModelInstance, into ctx: ElaborationContext, inputs: [GraphValue], training: Bool, span: SourceSpan,
                output: String = ForwardGraph.output) throws -> GraphValue {
        let inner = try m.ownedForward(training: training)
        let g = inner.graph
        let b = ctx.builder
        var map: [ValueID: GraphValue] = [:]
        for (i, input) in g.inputs.enumerated() { map[input.value] = inputs[i] }
        ctx.owners.noteInlined(m.id, with: inner.owners.inlined)
        // `m`'s own parameters belong to `m`; those it inlined keep their owners.
        func rename(_ name: String) -> String { ctx.owners.add(inner.owners[name] ?? ParameterRef(owner: m.id, name: name)) }
        do {
            for p in g.parameters {
                let name = rename(p.name)
                if let existing = b.graph.parameter(named: name) {
                    map[p.value] = b.graph.value(existing.value)
                } else {
                    map[p.value] = try b.parameter(name, shape: p.shape, initializer: p.initializer, trainable: p.trainable, dtype: p.dtype)
                }
            }
            for c in g.constants { map[c.value] = b.constant(c.tensor) }
            for n in g.nodes {
                let ins = try n.inputs.map { v -> GraphValue in
                    guard let mv = map[v] else { throw GraphError(op: n.opName, "value \(v) is used before it is defined") }
                    return mv
                }
                let outs = try b.apply(n.op, ins, name: m.id.scopePrefix + n.name)
                for (o, mo) in zip(n.outputs, outs) { map[o] = mo }
            }
            for asg in g.assignments {
                guard let v = map[asg.value] else { continue }
                if !b.graph.assignments.contains(where: { $0.parameter == rename(asg.parameter) }) {
                    try b.assign(rename(asg.parameter), v)
                }
            }
        } catch let e as GraphError {
            throw runtimeError(e, ctx)
        }
        guard let out = g.output(named: output), let mapped = map[out] else {
            throw RuntimeError(RuntimeCode.shape, "`\(m.name)` has no output `\(output)`", at: span)
        }
        return mapped
    }
}

extension ElaborationContext {
    /// Inside an objective, models being trained run in training mode, the rest (frozen
    /// teachers, control models) in inference mode; inside a model body, the body's mode.
    func trainingMode(for m: ModelInstance) -> Bool {
        guard let targets = objectiveTargets else { return training }
        return targets.contains(m.id) || m.parts.contains { targets.contains($0.id) }
    }
}
