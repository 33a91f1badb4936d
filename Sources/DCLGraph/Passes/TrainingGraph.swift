// The training-graph pass: forward + loss + backward + optimiser update, for the trainable
// parameters only, as one graph. Each run of it is one training step.
//
// Optimiser state (momentum, Adam moments) becomes non-trainable parameters named
// `<param>.<state>` initialised to zero; the updates are appended after every other node (so
// each parameter's last reader is its own update, which lets the executor update in place) and
// assigned back. The loss is exposed as the output "loss".
//
// A table read only through `gather` (an embedding) gets a row-sparse gradient — `coalesce_rows`
// of the gathers' cotangents — and a lazy sparse update (SparseGradient.swift), so a step costs
// O(looked-up rows), not O(table); `TrainingConfig.sparseEmbeddings = false` keeps the dense path.

import DCLTensor

/// Optimiser, schedule and clipping for a training graph.
public struct TrainingConfig: Sendable, Equatable {
    public var optimizer: OptimizerKind
    public var schedule: LRSchedule
    /// Clip gradients to this global L2 norm (ICIIA uses 5), or nil.
    public var clipNorm: Float?
    /// Row-sparse gradients and lazy updates for tables read only through `gather` (default).
    /// Plain SGD gives the dense result exactly; with momentum or weight decay, and for Adam/AdamW,
    /// rows a step does not look up keep their state and value (docs/language.md, "Optimisers").
    public var sparseEmbeddings: Bool

    public init(optimizer: OptimizerKind, schedule: LRSchedule, clipNorm: Float? = nil, sparseEmbeddings: Bool = true) {
        self.optimizer = optimizer
        self.schedule = schedule
        self.clipNorm = clipNorm
        self.sparseEmbeddings = sparseEmbeddings
    }
}

/// Builds training graphs.
public enum TrainingGraph {
    /// Forward graph + gradients of `loss` + optimiser updates of the trainable parameters (or
    /// of `parameters` when given; frozen ones get no gradient and no backward computation).
    public static func build(_ forward: Graph, loss: ValueID, config: TrainingConfig, parameters: [String]? = nil) throws -> Graph {
        let names = parameters ?? forward.parameters.filter(\.trainable).map(\.name)
        let sparseNames = config.sparseEmbeddings ? gatherOnlyTables(forward, among: names) : []
        let (withGrads, grads, sparse) = try Autodiff.splitParameterGradients(of: loss, in: forward, parameters: parameters,
                                                                               rowSparse: sparseNames)
        let b = GraphBuilder(graph: withGrads)
        let order = withGrads.parameters.map(\.name).filter { grads[$0] != nil || sparse[$0] != nil }
        try b.scope("optimizer") {
            var rowGrads: [String: (indices: GraphValue, rows: GraphValue, count: GraphValue)] = [:]
            for name in order {
                guard let pieces = sparse[name] else { continue }
                let table = try b.parameterValue(name)
                let outs = try b.apply(CoalesceRows(tableRows: table.type.constantShape![0]), pieces.flatMap { [$0.rows, $0.indices] },
                                       name: "\(name).grad_rows")
                rowGrads[name] = (outs[0], outs[1], outs[2])
            }
            var scale: GraphValue?
            if let c = config.clipNorm {
                // Unused slots of a row-sparse gradient are zero, so its rows buffer has the gradient's norm.
                let gs = order.map { rowGrads[$0]?.rows ?? b.graph.value(grads[$0]!) }
                scale = try b.apply1(GlobalNormScale(maxNorm: c), gs, name: "clip")
            }
            for name in order {
                let p = try b.parameterValue(name)
                let gradInputs = rowGrads[name].map { [$0.indices, $0.rows, $0.count] } ?? [b.graph.value(grads[name]!)]
                let shape = p.type.constantShape!
                func state(_ suffix: String) throws -> GraphValue {
                    let n = "\(name).\(suffix)"
                    if let existing = b.graph.parameter(named: n) { return b.graph.value(existing.value) }
                    return try b.parameter(n, shape: shape, initializer: .zeros, trainable: false)
                }
                switch config.optimizer {
                case .sgd(let momentum, let nesterov, let wd):
                    let op = SGDUpdate(schedule: config.schedule, momentum: momentum, nesterov: nesterov, weightDecay: wd, scaled: scale != nil)
                    var ins = [p] + gradInputs
                    if momentum != 0 { ins.append(try state("momentum")) }
                    if let scale { ins.append(scale) }
                    let outs = try b.apply(rowGrads[name] != nil ? SparseSGDUpdate(op) : op, ins, name: "\(name).update")
                    try b.assign(name, outs[0])
                    if momentum != 0 { try b.assign("\(name).momentum", outs[1]) }
                case .adam(let b1, let b2, let eps, let wd), .adamw(let b1, let b2, let eps, let wd):
                    var decoupled = false
                    if case .adamw = config.optimizer { decoupled = true }
                    let op = AdamUpdate(schedule: config.schedule, beta1: b1, beta2: b2, eps: eps, weightDecay: wd,
                                        decoupled: decoupled, scaled: scale != nil)
                    var ins = [p] + gradInputs + [try state("adam_m"), try state("adam_v")]
                    if let scale { ins.append(scale) }
                    let outs = try b.apply(rowGrads[name] != nil ? SparseAdamUpdate(op) : op, ins, name: "\(name).update")
                    try b.assign(name, outs[0])
                    try b.assign("\(name).adam_m", outs[1])
                    try b.assign("\(name).adam_v", outs[2])
                }
            }
        }
        if b.graph.output(named: "loss") == nil { try b.output("loss", b.graph.value(loss)) }
        return try b.finish()
    }

    /// Of `names`, the float tables that every node reading them reads as gather's table: their
    /// gradient is row-sparse. A table also used otherwise (tied weights in a matmul) stays dense.
    static func gatherOnlyTables(_ g: Graph, among names: [String]) -> Set<String> {
        var gathered = Set<ValueID>(), otherwise = Set<ValueID>()
        for n in g.nodes {
            for (i, v) in n.inputs.enumerated() {
                if i == 0 && n.op is GatherRows { gathered.insert(v) } else { otherwise.insert(v) }
            }
        }
        return Set(names.filter { name in
            guard let p = g.parameter(named: name), p.dtype == .float32, !p.shape.isEmpty else { return false }
            return gathered.contains(p.value) && !otherwise.contains(p.value)
        })
    }
}
