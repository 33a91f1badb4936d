// `train` and `distill … on`: lowers the objective, builds the training graph (forward, loss,
// backward, optimiser update for the targets only), and runs it over the batches. Placement is
// enforced here too: training runs where its data lives, so a cloud-only model read by a
// device-side objective stops the run before any step.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLGraph
import DCLTensor
import Foundation

/// What one training run did (also printed per epoch).
public struct TrainingResult {
    var steps = 0
    var samples = 0
    var lastLoss = Double.nan
    var seconds = 0.0
}

/// Public so that `dcl bench train` (DCLBench) times this very path rather than a copy of it.
public struct Trainer {
    let evaluator: Evaluator
    let session: Session

    public init(evaluator: Evaluator, session: Session) {
        self.evaluator = evaluator
        self.session = session
    }

    /// The data a `train` statement reads: one dataset, or per-client datasets.
    public enum Source {
        case dataset(DataValue)
        case clients(ClientsValue)

        var side: RuntimeSide? {
            switch self {
            case .dataset(let d): return d.side
            case .clients(let c): return c.side
            }
        }
        /// One device's data (`d.train`, or made from it: DeviceDerivation), which a deployed
        /// run trains on that device's host.
        var isOneDevicesData: Bool {
            if case .dataset(let d) = self { return d.deviceHome != nil }
            return false
        }
        /// Whether this holds samples of some device (not only cloud samples bound for one).
        var holdsDeviceSamples: Bool {
            switch self {
            case .dataset(let d): return d.holdsDeviceSamples
            case .clients(let c): return c.side == .device
            }
        }
        var origin: String {
            switch self {
            case .dataset(let d): return d.origin
            case .clients(let c): return c.origin
            }
        }
        /// A dataset whose columns describe every batch.
        func prototype(span: SourceSpan) throws -> Dataset {
            switch self {
            case .dataset(let d): return d.dataset
            case .clients(let c):
                guard let first = c.federated.clients.first(where: { ($0[c.part]?.count ?? 0) > 0 }) else {
                    throw RuntimeError(RuntimeCode.data, "the clients of `\(c.origin)` hold no samples", at: span)
                }
                return first[c.part] ?? first.train
            }
        }
    }

    static func source(_ v: DCLCompiler.Value, span: SourceSpan) throws -> Source {
        switch v {
        case .dataset(let d): return .dataset(d)
        case .clients(let c): return .clients(ClientsValue(c.federated, part: c.part == .all ? .train : c.part, side: c.side, origin: c.origin))
        default: throw RuntimeError(RuntimeCode.type, "training needs a dataset or clients, found \(v.kindName)", at: span)
        }
    }

    /// Trains `targets` on `data` minimising `objective`.
    public func train(targets: [ModelInstance], names: [String], data: Source, objective: ObjectiveSource, options: TrainOptions,
                      label: String, span: SourceSpan) throws -> TrainingResult {
        try train(targets: targets, names: names, data: data, objective: objective, options: options, label: label, span: span,
                  after: nil, fused: nil)
    }

    /// An evaluation of a trained model right after its training (`trainThenEvaluate`).
    struct EvaluateAfter {
        let model: ModelInstance
        let data: DataValue
        let k: Int
        let batch: Int
        /// False when the caller needs only the metrics and drops the trained model (CoDA's
        /// greedy trials): a device's host then sends back no weights.
        var keepsWeights = true
    }

    final class MetricsSlot {
        var value: MetricsValue?
    }

    /// Trains, then evaluates `after.model` on `after.data` with the trained weights. In a
    /// deployed run where the training data and `after.data` are the same device's, its host
    /// does both in one task, so the trained weights need not come up and go straight down
    /// again (CoDA's greedy trials); otherwise the evaluation follows the training.
    func trainThenEvaluate(targets: [ModelInstance], names: [String], data: Source, objective: ObjectiveSource, options: TrainOptions,
                           label: String, evaluate after: EvaluateAfter, span: SourceSpan) throws -> MetricsValue {
        let fused = MetricsSlot()
        _ = try train(targets: targets, names: names, data: data, objective: objective, options: options, label: label, span: span,
                      after: after, fused: fused)
        if let m = fused.value { return m }
        return try Evaluation(session: session).evaluate(after.model, on: .dataset(after.data), k: after.k, batch: after.batch, span: span)
    }

    /// For a model's inference graph, the training graph parameter holding each of its weights
    /// (nil when one is not in the training graph).
    static func inferenceWeightNames(_ m: ModelInstance, trainedIn bound: BoundStore, session: Session, span: SourceSpan) throws -> [String: String]? {
        struct Key: Hashable {
            let store: ObjectIdentifier
            let name: String
        }
        guard !bound.owners.isEmpty else { return nil }
        var training: [Key: String] = [:]
        for (name, (store, local)) in bound.owners { training[Key(store: ObjectIdentifier(store), name: local)] = name }
        let runner = try InferenceRunner.for(m, options: session.executionOptions)
        let inference = try BoundStore(graph: runner.executor.graph, owners: runner.owners, table: m.table, home: m, span: span)
        var names: [String: String] = [:]
        for p in runner.executor.graph.parameters {
            let (store, local) = inference.owners[p.name] ?? (m.weights, p.name)
            guard let t = training[Key(store: ObjectIdentifier(store), name: local)] else { return nil }
            names[p.name] = t
        }
        return names
    }

    private func train(targets: [ModelInstance], names: [String], data: Source, objective: ObjectiveSource, options: TrainOptions,
                       label: String, span: SourceSpan, after: EvaluateAfter?, fused: MetricsSlot?) throws -> TrainingResult {
        let proto = try data.prototype(span: span)
        var columns: [BatchColumn] = []
        for name in proto.columnNames {
            let shape = try proto.shape(of: name)
            columns.append(BatchColumn(name: name, shape: Array(shape.dropFirst()), dtype: try proto.dtype(of: name)))
        }
        let lowered = try evaluator.elaborator.lowerObjective(objective, targets: targets, columns: columns, span: span)
        // Placement: a device-side step may read only what a device bundle may hold.
        if data.side == .device {
            for m in lowered.models + targets where m.cloudOnly {
                throw RuntimeError(RuntimeCode.placement,
                                   "`\(m.name)` is cloud-only, but this training runs on the device, where `\(data.origin)` lives",
                                   at: span, hint: "train it on cloud data, or distill a control model and use that on the device")
            }
        }
        guard !lowered.trainable.isEmpty else {
            throw RuntimeError(RuntimeCode.type, "nothing to train: \(names.joined(separator: ", ")) has no trainable parameter the objective reads",
                               at: span, hint: "the objective must use the model being trained")
        }
        let batchesPerEpoch = try countBatches(data, size: options.batch)
        // Epochs are user-written: `epochs: 1T` times the batches must not overflow.
        let (allSteps, overflow) = batchesPerEpoch.multipliedReportingOverflow(by: options.epochs)
        guard !overflow || options.steps != nil else {
            throw RuntimeError(RuntimeCode.value, "\(options.epochs) epochs of \(batchesPerEpoch) batches is more steps than a 64-bit count holds",
                               at: span, hint: "use fewer epochs, or bound the run with `steps:`")
        }
        let totalSteps = options.steps.map { overflow ? $0 : min($0, allSteps) } ?? allSteps
        let config = TrainingConfig(optimizer: Self.optimizerKind(options.optimizer),
                                    schedule: Self.schedule(options.schedule, base: Float(options.optimizer.learningRate), total: max(1, totalSteps),
                                                            batchesPerEpoch: batchesPerEpoch),
                                    clipNorm: options.clip.map(Float.init), sparseEmbeddings: options.optimizer.lazy)
        // Compiled once per canonical graph and recipe (CompiledGraphCache.swift): a fleet's
        // devices train the same graph over their own model copies.
        let canonical = CanonicalGraph(lowered.graph, owners: lowered.owners)
        func compile(_ forward: Graph, trainable: [String]) throws -> CompiledTraining {
            do {
                let graph = try Passes.fuse(try TrainingGraph.build(forward, loss: lowered.loss, config: config, parameters: trainable))
                return CompiledTraining(graph: graph, executor: try Executor(graph: graph, options: session.executionOptions))
            } catch let e as GraphError {
                throw RuntimeError(RuntimeCode.shape, "\(e.op): \(e.message)", at: span)
            }
        }
        let compiled: CompiledTraining
        let bound: BoundStore
        if let canonical {
            let trainable = lowered.trainable.compactMap { canonical.canonicalNames[$0] }
            compiled = try session.compiledGraphs.training(canonical, trainable: trainable, config: config) {
                try compile(canonical.graph, trainable: trainable)
            }
            bound = try BoundStore(canonical: canonical, table: evaluator.elaborator.models, span: span)
        } else {
            compiled = try compile(lowered.graph, trainable: lowered.trainable)
            bound = try BoundStore(graph: lowered.graph, owners: lowered.owners, table: evaluator.elaborator.models, home: nil, span: span)
        }
        let graph = compiled.graph, executor = compiled.executor
        // A device host receives the weights as bound here and starts its optimiser state itself.
        let boundWeights = bound.store.tensors
        // Optimiser state starts at zero for every `train` statement.
        try bound.store.initialize(graph, seed: 0)
        bound.store.step = 0
        var seedSource = evaluator.generator(evaluator.nextRandomLabel("train"))
        let baseSeed = options.seed.map { UInt64(bitPattern: Int64($0)) } ?? seedSource.next()
        var result = TrainingResult()
        var history = TrainingHistory()
        var validation = options.validation.map { ValidationRun($0, model: targets[0], session: session, span: span) }
        let start = Date()
        defer { bound.writeBack() }
        // The live progress line ends with the training, also when an error stops it.
        defer { if options.log != .none { session.progress.finish() } }
        var loop = TrainingLoop(executor: executor, store: bound.store, batchSize: options.batch, shuffle: options.shuffle,
                                baseSeed: baseSeed, totalSteps: totalSteps, span: span)
        loop.restore = { canonical?.restore($0) ?? $0 }
        loop.interrupted = { self.evaluator.shouldInterrupt() }
        if options.log != .none {
            let progress = session.progress, epochs = options.epochs
            loop.afterStep = { epoch, stats, result, epochStart in
                let now = Date(), elapsed = now.timeIntervalSince(epochStart)
                progress.batch(label: label, epoch: epoch + 1, epochs: epochs, batch: stats.batches,
                               batches: batchesPerEpoch, step: result.steps, steps: totalSteps,
                               loss: stats.meanLoss, samples: result.samples, elapsed: now.timeIntervalSince(start),
                               samplesPerSecond: Double(stats.samples) / max(elapsed, 1e-9),
                               eta: elapsed / Double(stats.batches) * Double(batchesPerEpoch - stats.batches))
            }
        }
        // Training on one device's own data in a deployed run: its host takes every step.
        var remoteEpochs: [EpochStats]?
        if session.deviceExecutor != nil, data.holdsDeviceSamples, !data.isOneDevicesData {
            throw Deployment.unplaced("training", origin: data.origin, span: span)
        }
        if case .dataset(let d) = data, d.holdsDeviceSamples, d.deviceHome != nil, let devices = session.deviceExecutor {
            guard options.validation == nil else {
                throw RuntimeError(RuntimeCode.placement, "`validate:` is not yet supported when training runs on a device host", at: span,
                                   hint: "run this script without `--deploy`, or validate with `evaluate` after training")
            }
            // Only what training can change comes back: the parameters the graph assigns (the
            // targets' weights and their batch-norm statistics). A frozen model's weights — the
            // control model a DC-CCL device trains against — would come back exactly as sent.
            let assigned = Set(graph.assignments.map(\.parameter))
            var then: RemoteTraining.Then?
            if let after, fused != nil, after.data.holdsDeviceSamples, let at = after.data.deviceHome, let here = d.deviceHome,
               at.role == here.role, at.index == here.index, targets.contains(where: { $0 === after.model }),
               let weights = try Self.inferenceWeightNames(after.model, trainedIn: bound, session: session, span: span) {
                then = RemoteTraining.Then(model: after.model, data: after.data, k: after.k, batch: after.batch, weights: weights)
            }
            // A trial whose caller keeps only its metrics needs no weights back.
            let returning = then != nil && after?.keepsWeights == false ? [] : bound.owners.keys.filter { assigned.contains($0) }
            let reply = try RemoteTraining(devices: devices, session: session, span: span).train(
                data: d, graph: graph, weights: boundWeights, returning: returning,
                batch: options.batch, epochs: options.epochs, shuffle: options.shuffle, baseSeed: baseSeed, totalSteps: totalSteps, then: then)
            for (name, t) in reply.weights { bound.store.tensors[name] = t }
            fused?.value = reply.metrics
            result = reply.result
            remoteEpochs = reply.epochs
        }
        let epochData: EpochBatches
        switch data {
        case .dataset(let d): epochData = .dataset(d.dataset)
        case .clients(let c): epochData = .clients(c.federated, c.part)
        }
        outer: for epoch in 0..<options.epochs {
            let stats: EpochStats
            if let remote = remoteEpochs {
                guard epoch < remote.count else { break outer }
                stats = remote[epoch]
            } else {
                stats = try loop.runEpoch(epoch, over: epochData, result: &result)
            }
            let epochLoss = stats.lossSum, epochBatches = stats.batches, epochSamples = stats.samples
            let epochSeconds = stats.seconds
            let finished = remoteEpochs.map { epoch + 1 == $0.count } ?? (result.steps >= totalSteps || epoch + 1 == options.epochs)
            var validated: [(String, Double)]?
            if var v = validation, v.isDue(epoch: epoch + 1, last: finished) {
                // The models read their weights from their own stores: bring them up to date.
                bound.writeBack()
                validated = try v.validate(epoch: epoch + 1) { bound.store.tensors.filter { bound.owners[$0.key] != nil } }
                validation = v
            }
            history.epochs.append(.init(epoch: epoch + 1, loss: epochBatches > 0 ? epochLoss / Double(epochBatches) : .nan,
                                        learningRate: Self.shortestDouble(config.schedule.rate(at: max(0, stats.stepsAfter - 1))),
                                        samplesPerSecond: epochSeconds > 0 ? Double(epochSamples) / epochSeconds : 0,
                                        seconds: epochSeconds, validation: validated))
            if options.log != .none {
                session.progress.epochDone(label: label, epoch: epoch + 1, epochs: options.epochs,
                                           loss: epochBatches > 0 ? epochLoss / Double(epochBatches) : .nan,
                                           samples: epochSamples, seconds: epochSeconds, validation: validated)
            }
            if finished { break outer }
            if let v = validation, v.shouldStop {
                history.stoppedEarly = true
                if options.log != .none, let name = v.monitored, let best = v.best, let at = v.bestEpoch {
                    session.progress.note(String(format: "%@: early stop after epoch %ld: val %@ has not improved for %ld validations (best %.4f at epoch %ld)",
                                                 label, epoch + 1, name, v.sinceImprovement, best, at))
                }
                break outer
            }
        }
        if let v = validation {
            history.bestEpoch = v.bestEpoch
            if let weights = v.bestWeights, let at = v.bestEpoch, at != history.epochs.last?.epoch {
                // `keep: best`: the deferred write-back hands these to the models.
                for (name, t) in weights { bound.store.tensors[name] = t }
                if options.log != .none, let name = v.monitored, let best = v.best {
                    session.progress.note(String(format: "%@: kept the weights of epoch %ld (val %@ %.4f)", label, at, name, best))
                }
            }
        }
        let recorded = history.value
        for m in targets { m.trainingHistory = recorded }
        result.seconds = Date().timeIntervalSince(start)
        return result
    }

    /// The schedule computes in f32; the history shows the rate as written (`0.001`, not
    /// `0.0010000000474974513`): the shortest decimal that reads back as the same f32.
    static func shortestDouble(_ f: Float) -> Double { Double(f.description) ?? Double(f) }

    func countBatches(_ data: Source, size: Int) throws -> Int {
        switch data {
        case .dataset(let d): return (d.dataset.count + size - 1) / size
        case .clients(let c):
            return c.federated.clients.reduce(0) { acc, cl in acc + ((cl[c.part]?.count ?? 0) + size - 1) / size }
        }
    }

    static func optimizerKind(_ o: OptimizerSpec) -> OptimizerKind {
        switch o {
        case .sgd(_, let m, let n, let wd, _): return .sgd(momentum: Float(m), nesterov: n, weightDecay: Float(wd))
        case .adam(_, let b1, let b2, let eps, let wd, let decoupled, _):
            return decoupled ? .adamw(beta1: Float(b1), beta2: Float(b2), eps: Float(eps), weightDecay: Float(wd))
                             : .adam(beta1: Float(b1), beta2: Float(b2), eps: Float(eps), weightDecay: Float(wd))
        }
    }

    /// The language's schedules in optimiser steps. `step(every:)` is written in epochs, so it
    /// becomes `every` × the batches in an epoch; `warmup(steps:)` is written in steps.
    static func schedule(_ s: ScheduleSpec, base: Float, total: Int, batchesPerEpoch: Int) -> LRSchedule {
        switch s {
        case .constant: return .constant(base)
        case .step(let every, let gamma):
            // A product past Int.max means "never within this run": any step count is below it.
            let (steps, overflow) = max(1, every).multipliedReportingOverflow(by: max(1, batchesPerEpoch))
            return .step(base: base, every: overflow ? Int.max : steps, gamma: Float(gamma))
        case .cosine(let minLR): return .cosine(base: base, total: total, minimum: Float(minLR))
        case .warmup(let steps, let then):
            return .warmup(steps: steps, then: schedule(then, base: base, total: max(1, total - steps), batchesPerEpoch: batchesPerEpoch))
        }
    }
}

extension ClientData {
    subscript(part: DCLData.ClientPart) -> Dataset? {
        switch part {
        case .train: return train
        case .test: return test
        case .all: return try? all()
        }
    }
}
