// The training-graph pass: forward + loss + backward + optimiser update, for the trainable
// parameters only, as one graph. Each run of it is one training step.
//
// Optimiser state (momentum, Adam moments) becomes non-trainable parameters named
// `<param>.<state>` initialised to zero; the updates are appended after every other node (so
// each parameter's last reader is its own update, which lets the executor update in place) and
// assigned back. The loss is exposed as the output "loss".

import DCLTensor

/// Optimiser, schedule and clipping for a training graph.
public struct TrainingConfig: Sendable, Equatable {
    public var optimizer: OptimizerKind
    public var schedule: LRSchedule
    /// Clip gradients to this global L2 norm (ICIIA uses 5), or nil.
    public var clipNorm: Float?

    public init(optimizer: OptimizerKind, schedule: LRSchedule, clipNorm: Float? = nil) {
        self.optimizer = optimizer
        self.schedule = schedule
        self.clipNorm = clipNorm
    }
}

/// Builds training graphs.
public enum TrainingGraph {
    /// Forward graph + gradients of `loss` + optimiser updates of the trainable parameters (or
    /// of `parameters` when given; frozen ones get no gradient and no backward computation).
    public static func build(_ forward: Graph, loss: ValueID, config: TrainingConfig, parameters: [String]? = nil) throws -> Graph {
        let (withGrads, grads) = try Autodiff.parameterGradients(of: loss, in: forward, parameters: parameters)
        let b = GraphBuilder(graph: withGrads)
        let order = withGrads.parameters.map(\.name).filter { grads[$0] != nil }
        try b.scope("optimizer") {
            var scale: Value?
            if let c = config.clipNorm {
                scale = try b.apply1(GlobalNormScale(maxNorm: c), order.map { b.graph.value(grads[$0]!) }, name: "clip")
            }
            for name in order {
                let p = try b.parameterValue(name)
                let g = b.graph.value(grads[name]!)
                let shape = p.type.constantShape!
                func state(_ suffix: String) throws -> Value {
                    let n = "\(name).\(suffix)"
                    if let existing = b.graph.parameter(named: n) { return b.graph.value(existing.value) }
                    return try b.parameter(n, shape: shape, initializer: .zeros, trainable: false)
                }
                switch config.optimizer {
                case .sgd(let momentum, let nesterov, let wd):
                    let op = SGDUpdate(schedule: config.schedule, momentum: momentum, nesterov: nesterov, weightDecay: wd, scaled: scale != nil)
                    var ins = [p, g]
                    if momentum != 0 { ins.append(try state("momentum")) }
                    if let scale { ins.append(scale) }
                    let outs = try b.apply(op, ins, name: "\(name).update")
                    try b.assign(name, outs[0])
                    if momentum != 0 { try b.assign("\(name).momentum", outs[1]) }
                case .adam(let b1, let b2, let eps, let wd), .adamw(let b1, let b2, let eps, let wd):
                    var decoupled = false
                    if case .adamw = config.optimizer { decoupled = true }
                    let op = AdamUpdate(schedule: config.schedule, beta1: b1, beta2: b2, eps: eps, weightDecay: wd,
                                        decoupled: decoupled, scaled: scale != nil)
                    var ins = [p, g, try state("adam_m"), try state("adam_v")]
                    if let scale { ins.append(scale) }
                    let outs = try b.apply(op, ins, name: "\(name).update")
                    try b.assign(name, outs[0])
                    try b.assign("\(name).adam_m", outs[1])
                    try b.assign("\(name).adam_v", outs[2])
                }
            }
        }
        if b.graph.output(named: "loss") == nil { try b.output("loss", b.graph.value(loss)) }
        return try b.finish()
    }
}
