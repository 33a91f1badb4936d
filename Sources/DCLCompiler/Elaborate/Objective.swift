// Lowering a training objective to a graph whose output "loss" is a scalar: the `minimizing`
// expression of a `train` statement, the default loss a dataset implies, or a distillation's
// loss. The batch's columns are the graph's inputs; the models the loss reads are inlined
// (targets in training mode, the rest frozen in inference mode).

import DCLData
import DCLDiagnostics
import DCLGraph
import DCLSyntax
import DCLTensor

/// A lowered objective, ready for the training-graph pass.
public struct ObjectiveGraph {
    public let graph: Graph
    public let loss: ValueID
    /// Every model the loss reads.
    public let models: [ModelInstance]
    /// The models owning the graph's parameters (all of them: every one is inlined).
    public let owners: ParameterOwners
    /// Parameters the optimiser updates (those of the targets, within their trainable subsets).
    public let trainable: [String]
}

/// A column of the training batch: a graph input.
public struct BatchColumn {
    public var name: String
    public var shape: [Int]
    public var dtype: DType
    public init(name: String, shape: [Int], dtype: DType) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
    }
}

/// What to minimise.
public enum ObjectiveSource {
    /// `minimizing EXPR`, evaluated in an environment where the columns are bound.
    case expression(WrittenObjective)
    /// The loss the label column implies for `model(inputs)`.
    case defaultLoss(ModelInstance, labels: String)
    /// A distillation: the student mimics the frozen teacher's output.
    case distillation(DistillValue)
    /// A distillation whose teacher outputs were computed once, before training, and are read
    /// from a column of the data (the same values: the teacher is frozen and runs in inference
    /// mode inside an objective too).
    case distillationFromColumn(DistillValue, column: String)
}

extension Elaborator {
    public func lowerObjective(_ source: ObjectiveSource, targets: [ModelInstance], columns: [BatchColumn],
                               span: SourceSpan) throws -> ObjectiveGraph {
        let ctx = ElaborationContext(training: true, width: nil, seedLabel: interpreter.nextRandomLabel("objective"), runSeed: seed)
        var targetIDs = Set<ModelID>()
        func collect(_ m: ModelInstance) { targetIDs.insert(m.id); m.parts.forEach(collect) }
        targets.forEach(collect)
        ctx.objectiveTargets = targetIDs
        let saved = elaboration
        elaboration = ctx
        defer { elaboration = saved }
        let b = ctx.builder
        var inputs: [String: Value] = [:]
        for c in columns {
            let v = try wrapGraph(ctx) { try b.input(c.name, TensorType(c.dtype, [Dim.symbol("N")] + c.shape.map { Dim($0) })) }
            inputs[c.name] = ctx.tensor(v)
        }
        func column(_ name: String, for what: String) throws -> Value {
            guard let v = inputs[name] else {
                throw RuntimeError(RuntimeCode.data, "\(what) needs a column `\(name)`, but the data has \(columns.map { "`\($0.name)`" }.joined(separator: ", "))",
                                   at: span)
            }
            return v
        }
        func modelOutput(_ m: ModelInstance) throws -> Value {
            try applyModel(m, to: try m.inputs.map { try column($0.name, for: "`\(m.name)`") }, span: span)
        }
        let loss: Value
        switch source {
        case .expression(let written):
            let env = written.environment
            let inner = Environment(parent: env, module: env.module)
            for (k, v) in inputs { inner.define(k, v) }
            loss = try interpreter.evaluate(written.expression, in: inner)
        case .defaultLoss(let m, let labels):
            let out = try modelOutput(m)
            let y = try column(labels, for: "the default loss")
            guard case .tensor(let o) = out, case .tensor(let t) = y else { throw RuntimeError(RuntimeCode.type, "no tensors", at: span) }
            ctx.at(span)
            loss = ctx.tensor(try wrapGraph(ctx) {
                if t.type.dtype == .int32 {
                    guard o.type.rank == 2 else {
                        throw RuntimeError(RuntimeCode.shape, "integer labels need class scores [N, classes] from `\(m.name)`, found \(o.type)", at: span,
                                           hint: "write the loss with `minimizing …`")
                    }
                    return try b.crossEntropy(o.value, t.value)
                }
                if o.type == t.type, o.type.rank == 1 { return try b.bceWithLogits(o.value, t.value) }
                return try b.mse(o.value, t.value)
            })
        case .distillation(let d), .distillationFromColumn(let d, _):
            let s = try modelOutput(d.student)
            let t: Value
            if case .distillationFromColumn(_, let name) = source {
                t = try column(name, for: "the distillation of `\(d.name)`")
            } else {
                t = try modelOutput(d.teacher)
            }
            guard case .tensor(let st) = s, case .tensor(let tt) = t else { throw RuntimeError(RuntimeCode.type, "no tensors", at: span) }
            ctx.at(span)
            loss = ctx.tensor(try wrapGraph(ctx) {
                let frozen = try b.stopGradient(tt.value)
                switch d.loss {
                case .mse: return try b.mse(st.value, frozen)
                case .kl: return try b.klDistill(student: st.value, teacher: frozen, temperature: Float(d.temperature))
                }
            })
        }
        guard case .tensor(let l) = loss else {
            throw RuntimeError(RuntimeCode.type, "the objective must be a tensor (a loss), found \(loss.kindName)", at: span)
        }
        guard l.type.rank == 0 else {
            throw RuntimeError(RuntimeCode.shape, "the objective must be a scalar loss, found \(l.type)", at: span,
                               hint: "reduce it, e.g. with `mean(…)`, or use a loss such as `cross_entropy`")
        }
        try wrapGraph(ctx) { try b.output("loss", l.value) }
        let graph = try wrapGraph(ctx) { try b.finish() }

        // The optimiser updates the targets' parameters (by the store they live in) within
        // their trainable subsets.
        var trainable: [String] = []
        for p in graph.parameters where p.trainable {
            guard let ref = ctx.owners[p.name], let owner = models.owner(of: ref) else { continue }
            for t in targets where t.ownedStores().contains(where: { $0 === owner.weights }) {
                if t.trainableSubset?.contains(ref.name) ?? true { trainable.append(p.name); break }
            }
        }
        return ObjectiveGraph(graph: graph, loss: graph.output(named: "loss")!, models: ctx.inlinedModels, owners: ctx.owners,
                              trainable: trainable)
    }
}
