// ICIIA's protocol for an attention plug-in over a frozen backbone.
//
// Training (once, on the cloud): the backbone is frozen, so each image's features are computed
// once; the head then trains on batches that each hold up to `batch` images of ONE client,
// which attend to each other (the tokens are whole images).
//
// Inference: each client keeps a FIFO memory of its recent images' features (initially the
// features of its own history — its training images, unlabeled). A test image's tokens are
// [memory ; the image]; the output at the image's position is its prediction, and the image
// then enters the memory. With fewer than `min_memory` stored features, the backbone's own
// head answers (the cold-start policy).

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLTensor

struct PluginProtocol {
    let session: Session

    /// Features of every sample of `d` under the frozen backbone, as a dataset `features`, `y`.
    func features(_ p: PluginValue, of d: Dataset, span: SourceSpan) throws -> Dataset {
        let view = try p.backbone.view(p.attachPoint, span: span)
        let width = view.outputShape.reduce(1, *)
        let values = try frozenOutputs(view, section: p.attachPoint, of: p.backbone, on: d, span: span)
        var cols: [(name: String, tensor: Tensor)] = [("features", try Tensor(shape: [d.count, width], floats: values))]
        if d.hasColumn(d.labelColumn) { cols.append((d.labelColumn, try d.column(d.labelColumn))) }
        return try Dataset(columns: cols, classCount: d.classCount, labelColumn: d.labelColumn, source: "features of \(d.source)")
    }

    func train(_ p: PluginValue, on source: Trainer.Source, options: TrainOptions, evaluator: Evaluator, span: SourceSpan) throws {
        // Its head trains on the frozen backbone's features with each client's memory, which a
        // plain evaluation of the head on raw samples would not reproduce.
        guard options.validation == nil else {
            throw RuntimeError(RuntimeCode.type, "a plug-in's training takes no `validate:`", at: span,
                               hint: "evaluate it after training: `evaluate(\(p.name), on: …)`")
        }
        let featureSource: Trainer.Source
        switch source {
        case .dataset(let d):
            featureSource = .dataset(DataValue(try features(p, of: d.dataset, span: span), side: d.side, origin: d.origin))
        case .clients(let c):
            let clients = try c.federated.clients.map { cl -> ClientData in
                ClientData(id: cl.id, train: try features(p, of: cl.train, span: span), test: try features(p, of: cl.test, span: span))
            }
            let fed = FederatedDataset(clients: clients, scheme: c.federated.scheme, classCount: c.federated.classCount)
            featureSource = .clients(ClientsValue(fed, part: c.part, side: c.side, origin: c.origin))
        }
        if source.side == .device, p.backbone.cloudOnly {
            throw RuntimeError(RuntimeCode.placement, "`\(p.backbone.name)` is cloud-only, but this training runs on the device", at: span)
        }
        _ = try Trainer(evaluator: evaluator, session: session).train(
            targets: [p.module], names: [p.name], data: featureSource,
            objective: .defaultLoss(p.module, labels: try featureSource.prototype(span: span).labelColumn),
            options: options, label: "train \(p.name)", span: span)
    }

    func evaluate(_ p: PluginValue, on data: DCLCompiler.Value, memory: Int?, minMemory: Int?, batch: Int, span: SourceSpan) throws -> MetricsValue {
        let capacity = memory ?? p.memory
        let threshold = minMemory ?? p.minMemory
        guard capacity >= 0 else { throw RuntimeError(RuntimeCode.value, "`memory` must not be negative", at: span) }
        if let devices = session.deviceExecutor {
            let remote = RemotePlugin(devices: devices, session: session, span: span)
            switch data {
            case .clients(let c) where c.side == .device && c.role != nil:
                let clients = c.federated.clients.enumerated().map { i, cl in
                    (location: DeviceDataLocation(role: c.role!, device: i, part: c.part == .train ? .train : .test), data: cl, origin: "\(c.origin)[\(i)]")
                }
                let per = try remote.evaluate(p, clients: clients, part: c.part == .train ? .train : .test,
                                              capacity: capacity, threshold: threshold, tolerance: c.tolerance)
                return Evaluation.aggregateAnswered(per, what: "`evaluate`", origin: c.origin, session: session)
            case .client(let cl) where cl.location(.test) != nil:
                return try remote.evaluate(p, clients: [(cl.location(.test)!, cl.data, cl.origin)], part: .test,
                                           capacity: capacity, threshold: threshold, tolerance: nil)[0]!
            default:
                if let origin = Deployment.deviceOrigin(data) { throw Deployment.unplaced("`evaluate`", origin: origin, span: span) }
            }
        }
        switch data {
        case .clients(let c):
            let per = try c.federated.clients.map { cl in
                try evaluateClient(p, history: cl.train, test: c.part == .train ? cl.train : cl.test, capacity: capacity, threshold: threshold, span: span)
            }
            return Evaluation.aggregate(per)
        case .client(let cl):
            return try evaluateClient(p, history: cl.data.train, test: cl.data.test, capacity: capacity, threshold: threshold, span: span)
        case .dataset(let d):
            // One client without history.
            return try evaluateClient(p, history: nil, test: d.dataset, capacity: capacity, threshold: threshold, span: span)
        default:
            throw RuntimeError(RuntimeCode.type, "a plug-in is evaluated on clients, found \(data.kindName)", at: span)
        }
    }

    /// Streams one client's test images through the plug-in with its memory.
    func evaluateClient(_ p: PluginValue, history: Dataset?, test: Dataset, capacity: Int, threshold: Int, span: SourceSpan) throws -> MetricsValue {
        let view = try p.backbone.view(p.attachPoint, span: span)
        let runner = try InferenceRunner.for(p.module, options: session.executionOptions)
        let run = PluginClientRun(capacity: capacity, threshold: threshold, featureWidth: p.module.inputs[0].shape.reduce(1, *),
                                  classes: p.backbone.outputShape.reduce(1, *),
                                  features: { try frozenOutputs(view, section: p.attachPoint, of: p.backbone, on: $0, span: span) },
                                  backboneOutputs: { try frozenOutputs(p.backbone, section: "", of: p.backbone, on: $0, span: span) },
                                  plugin: { try runner.run(["features": $0], span: span).floats },
                                  interrupted: { session.evaluatorInterrupted() })
        return try run.metrics(history: history, test: test, span: span)
    }

    /// Outputs of `model` (the frozen backbone `owner`, or its `section`) on `d`, through the
    /// session's cache of frozen outputs: each stored image passes the backbone once per weights.
    private func frozenOutputs(_ model: ModelInstance, section: String, of owner: ModelInstance, on d: Dataset,
                               span: SourceSpan) throws -> [Float] {
        try session.frozenOutputs.outputs(owner: owner, section: section, inputNames: model.inputs.map(\.name),
                                          width: model.outputShape.reduce(1, *), on: d) { rows in
            try Evaluation(session: session).outputs(model, on: rows, batch: 256, span: span).values
        }
    }
}

/// One client's evaluation under ICIIA's protocol, given how to compute features, the
/// backbone's outputs and the plug-in's: the service runs it with its caches, a device host
/// with the graphs a task carries — the same steps either way.
struct PluginClientRun {
    let capacity: Int
    let threshold: Int
    /// Feature width (the plug-in's input per token).
    let featureWidth: Int
    let classes: Int
    /// Features of every sample of a data set, row-major.
    let features: (Dataset) throws -> [Float]
    /// The backbone's own outputs (its head) for every sample, row-major.
    let backboneOutputs: (Dataset) throws -> [Float]
    /// The plug-in's outputs for one client's tokens [tokens, featureWidth].
    let plugin: (Tensor) throws -> [Float]
    let interrupted: () -> Bool

    func metrics(history: Dataset?, test: Dataset, span: SourceSpan) throws -> MetricsValue {
        let d = featureWidth
        let testFeatures = try features(test)
        let backboneOut = try backboneOutputs(test)
        var memory: [[Float]] = []
        if capacity > 0, let h = history, h.count > 0 {
            let hf = try features(h)
            let n = h.count
            for i in max(0, n - capacity)..<n { memory.append(Array(hf[(i * d)..<(i * d + d)])) }
        }
        var logits: [Float] = []
        logits.reserveCapacity(test.count * classes)
        for i in 0..<test.count {
            if interrupted() { throw Interrupted() }
            let current = Array(testFeatures[(i * d)..<(i * d + d)])
            if memory.count < threshold {
                logits += backboneOut[(i * classes)..<(i * classes + classes)]
            } else {
                let tokens = memory.flatMap { $0 } + current
                let out = try plugin(try Tensor(shape: [memory.count + 1, d], floats: tokens))
                logits += out[(memory.count * classes)..<(memory.count * classes + classes)]
            }
            if capacity > 0 {
                memory.append(current)
                if memory.count > capacity { memory.removeFirst() }
            }
        }
        return try Evaluation.metrics(outputs: logits, width: classes, outputRank: 1, data: test, k: 5, span: span)
    }
}
