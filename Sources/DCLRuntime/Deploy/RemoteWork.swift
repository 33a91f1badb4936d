// The service's side of device work: turns a `train` or `evaluate` whose data is one device's
// (its part, or made from it: DeviceDerivation) into a task for that device's host, and the
// reply back into what the in-process run would have produced (the same weights, the same
// numbers). A reply is untrusted: it must name
// exactly the weights asked for, with their shapes, or the run stops with E0508.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLGraph
import DCLTensor

struct RemoteTraining {
    let devices: DeviceExecutor
    let session: Session
    let span: SourceSpan

    struct Reply {
        var weights: [String: Tensor]
        var result: TrainingResult
        var epochs: [EpochStats]
        /// The metrics of the `then` evaluation, when one was asked for.
        var metrics: MetricsValue?
    }

    /// An evaluation the device's host runs right after training, on the trained weights.
    struct Then {
        let model: ModelInstance
        let data: DataValue
        let k: Int
        let batch: Int
        /// The model's inference graph parameter → the training graph parameter holding it.
        let weights: [String: String]
    }

    func train(data: DataValue, graph: Graph, weights: [String: Tensor], returning: [String],
               batch: Int, epochs: Int, shuffle: Bool, baseSeed: UInt64, totalSteps: Int, then: Then? = nil) throws -> Reply {
        var blobs = [TaskWire.graph(graph), try TaskWire.weights(weights)]
        let place = try RemoteWork.placement(data, session: session, objectsBefore: blobs.count, span: span)
        blobs += place.objects
        var thenWire: EvaluateAfterWire?
        if let then {
            let first = blobs.count
            let runner = try InferenceRunner.for(then.model, options: session.executionOptions)
            blobs.append(TaskWire.graph(runner.executor.graph))
            let at = try RemoteWork.placement(then.data, session: session, objectsBefore: blobs.count, span: span)
            guard at.device == place.device, at.role == place.role else {
                throw RuntimeError(RuntimeCode.deployment, "an evaluation after training must run on the device that trained", at: span)
            }
            blobs += at.objects
            thenWire = EvaluateAfterWire(firstObject: first, weights: then.weights,
                                         evaluation: RemoteWork.evaluateSpec(then.model, at, batch: then.batch, k: then.k))
        }
        let spec = TrainTaskSpec(role: place.role, part: place.part, derivation: place.derivation, fingerprint: place.fingerprint,
                                 batch: batch, epochs: epochs, shuffle: shuffle, baseSeed: String(baseSeed, radix: 16),
                                 totalSteps: totalSteps, returning: returning.sorted(), then: thenWire)
        let task = DeviceTask(device: place.device, kind: .train, spec: try TaskWire.encode(spec), blobs: blobs)
        let reply = try RemoteWork.runOne(task, on: devices, origin: data.origin, span: span)
        do {
            let r = try TaskWire.decode(TrainReplySpec.self, reply.spec, what: "the train reply")
            try TaskWire.blobs(reply.blobs, count: 1, what: "the train reply")
            let back = try TaskWire.weights(reply.blobs[0], what: "the trained weights")
            try RemoteWork.expect(back, names: returning, like: weights)
            guard r.version == deviceTaskVersion, r.epochs.count <= epochs, r.steps >= 0, r.steps <= totalSteps, r.samples >= 0 else {
                throw DeviceTaskError(code: RuntimeCode.deployment, message: "the train reply's counts do not fit the task", hint: nil)
            }
            var result = TrainingResult()
            result.steps = r.steps
            result.samples = r.samples
            result.lastLoss = try TaskWire.double(r.lastLoss, what: "last loss")
            let stats = try r.epochs.map { e -> EpochStats in
                guard e.batches >= 0, e.samples >= 0, e.stepsAfter >= 0, e.stepsAfter <= r.steps else {
                    throw DeviceTaskError(code: RuntimeCode.deployment, message: "an epoch of the train reply has negative or impossible counts", hint: nil)
                }
                return EpochStats(lossSum: try TaskWire.double(e.lossSum, what: "epoch loss"), batches: e.batches, samples: e.samples,
                                  seconds: try TaskWire.double(e.seconds, what: "epoch seconds"), stepsAfter: e.stepsAfter)
            }
            var metrics: MetricsValue?
            if then != nil {
                guard let wire = r.metrics, wire.count <= 16 else {
                    throw DeviceTaskError(code: RuntimeCode.deployment, message: "the train reply lacks the evaluation it was asked for", hint: nil)
                }
                metrics = MetricsValue(values: try wire.map { ($0.name, try TaskWire.double($0.value, what: "metric \($0.name.prefix(40))")) })
            }
            return Reply(weights: back, result: result, epochs: stats, metrics: metrics)
        } catch let e as DeviceTaskError {
            throw RemoteWork.error(e, device: place.device, origin: data.origin, span: span)
        }
    }
}

struct RemoteEvaluation {
    let devices: DeviceExecutor
    let session: Session
    let span: SourceSpan

    func evaluate(_ m: ModelInstance, data: DataValue, k: Int, batch: Int) throws -> MetricsValue {
        try evaluate(m, on: [data], k: k, batch: batch, tolerance: nil)[0]!
    }

    /// Evaluates `m` on each device's data in one round: the hosts of different devices work
    /// at the same time; the metrics come back in the order of `parts`.
    func evaluate(_ m: ModelInstance, on parts: [DataValue], k: Int, batch: Int,
                  tolerance: RoundTolerance?) throws -> [MetricsValue?] {
        // Every device's task shares these two objects (sent once per host).
        let (graphBytes, weightBytes) = try RemoteWork.inferenceBlobs(m, session: session, span: span)
        var devicesInOrder: [Int] = []
        let tasks = try parts.map { data in
            let place = try RemoteWork.placement(data, session: session, objectsBefore: 2, span: span)
            devicesInOrder.append(place.device)
            let spec = RemoteWork.evaluateSpec(m, place, batch: batch, k: k)
            return DeviceTask(device: place.device, kind: .evaluate, spec: try TaskWire.encode(spec), blobs: [graphBytes, weightBytes] + place.objects)
        }
        let replies = try RemoteWork.run(tasks, on: devices, origins: parts.map(\.origin), tolerance: tolerance, span: span)
        return try zip(zip(replies, parts), devicesInOrder).map { pair, device in
            try pair.0.map { try RemoteWork.metrics($0, device: device, origin: pair.1.origin, span: span) }
        }
    }
}

enum RemoteWork {
    /// Where a task's data is and how its host makes it: the device, its own part (and the
    /// fingerprint the service keeps for it) or the derivation with the objects it needs.
    struct Placement {
        var role: String
        var device: Int
        var part: String?
        var derivation: DerivationWire?
        var fingerprint: String
        var objects: [[UInt8]]
    }

    /// What a host needs to evaluate `m` on the placed data (an evaluate task, or a train
    /// task's `then`).
    static func evaluateSpec(_ m: ModelInstance, _ place: Placement, batch: Int, k: Int) -> EvaluateTaskSpec {
        EvaluateTaskSpec(role: place.role, part: place.part, derivation: place.derivation, fingerprint: place.fingerprint,
                         model: m.name, inputs: m.inputs.map { InputWire(name: $0.name, shape: $0.shape, dtype: $0.dtype.rawValue) },
                         batch: batch, k: k, outputShape: m.outputShape)
    }

    static func placement(_ data: DataValue, session: Session, objectsBefore: Int, span: SourceSpan) throws -> Placement {
        guard let home = data.deviceHome, let derivation = data.derivation else {
            throw Deployment.unplaced("work", origin: data.origin, span: span)
        }
        if let own = derivation.ownPart {
            return Placement(role: own.role, device: own.device, part: own.part.rawValue, derivation: nil,
                             fingerprint: try session.fingerprints.of(data.dataset, at: own), objects: [])
        }
        do {
            var writer = DerivationWire.Writer(offset: objectsBefore)
            let wire = try writer.write(derivation)
            return Placement(role: home.role, device: home.index, part: nil, derivation: wire, fingerprint: try DataFingerprint.of(data.dataset),
                             objects: writer.objects)
        } catch let e as DeviceTaskError {
            throw RuntimeError(e.code, "`\(data.origin)` cannot be sent to device \(home.index): \(e.message)", at: span, hint: e.hint)
        }
    }

    /// Runs one task and returns its reply, or the error the script sees.
    static func runOne(_ task: DeviceTask, on devices: DeviceExecutor, origin: String, span: SourceSpan) throws -> DeviceTaskReply {
        try run([task], on: devices, origins: [origin], span: span)[0]
    }

    /// Runs tasks in one round; every task must come back (the first device in order that did
    /// not is the error the script sees).
    static func run(_ tasks: [DeviceTask], on devices: DeviceExecutor, origins: [String], span: SourceSpan) throws -> [DeviceTaskReply] {
        try run(tasks, on: devices, origins: origins, tolerance: nil, span: span).map { $0! }
    }

    /// Runs tasks in one round under a fleet's `round { … }`: a device that does not answer
    /// within its timeout is nil (dropped), as long as at least `minResponses` of the devices
    /// answered; without a tolerance every device must answer. A device whose work failed is
    /// an error either way.
    static func run(_ tasks: [DeviceTask], on devices: DeviceExecutor, origins: [String], tolerance: RoundTolerance?,
                    span: SourceSpan) throws -> [DeviceTaskReply?] {
        let results: [Result<DeviceTaskReply, DeviceTaskFailure>]
        do { results = try devices.run(tasks, timeout: tolerance?.timeout) } catch let e as RuntimeError { throw e } catch {
            // The transport's own failure (the service stopped, too few answers): the run
            // stops at the statement that sent the work.
            let what = tasks.count == 1 ? "device \(tasks[0].device)'s \(tasks[0].kind.rawValue) on `\(origins[0])`"
                                        : "\(tasks.count) devices' \(tasks.first?.kind.rawValue ?? "work")"
            throw RuntimeError(RuntimeCode.deployment, "\(what) could not run: \(error)", at: span)
        }
        guard results.count == tasks.count else {
            throw RuntimeError(RuntimeCode.deployment, "the device executor answered \(results.count) results for \(tasks.count) tasks", at: span)
        }
        let answered = results.filter { if case .failure(.dropped) = $0 { return false }; return true }.count
        if let t = tolerance, answered < tasks.count {
            // The fewest answers the round accepts, rounded up: 0.9 of 25 devices is 23.
            let needed = Int((t.minResponses * Double(tasks.count)).rounded(.up))
            if answered >= needed {
                return try zip(zip(tasks, origins), results).map { pair, result in
                    switch result {
                    case .success(let r): return r
                    case .failure(.dropped): return nil
                    case .failure(.failed(let e)): throw error(e, device: pair.0.device, origin: pair.1, span: span)
                    }
                }
            }
            let dropped = zip(tasks, results).compactMap { t, r -> Int? in if case .failure(.dropped) = r { return t.device }; return nil }
            throw RuntimeError(RuntimeCode.deployment,
                               "only \(answered) of \(tasks.count) devices answered this \(tasks.first?.kind.rawValue ?? "round"); the role's round needs \(needed) (min_responses \(t.minResponses))",
                               at: span, hint: "dropped: devices \(describeDevices(dropped)); see their hosts' logs",
                               notes: [])
        }
        return try zip(zip(tasks, origins), results).map { pair, result in
            let (task, origin) = pair
            switch result {
            case .success(let r): return r
            case .failure(.dropped(let reason)):
                throw RuntimeError(RuntimeCode.deployment, "device \(task.device) dropped out of this \(task.kind.rawValue) on `\(origin)`: \(reason)", at: span,
                                   hint: "see the device host's log; `dcl status` shows which hosts are connected")
            case .failure(.failed(let e)):
                throw error(e, device: task.device, origin: origin, span: span)
            }
        }
    }

    /// Device indices, short: `3, 17, 42` or `3, 17, 42 and 9 more`.
    static func describeDevices(_ xs: [Int]) -> String {
        let shown = xs.prefix(10).map(String.init).joined(separator: ", ")
        return xs.count > 10 ? "\(shown) and \(xs.count - 10) more" : shown
    }

    /// The line a round with dropped devices leaves on standard error.
    static func droppedNotice(_ what: String, origin: String, dropped: [Int], of total: Int) -> String {
        "\(what) on `\(origin)`: \(dropped.count) of \(total) devices dropped out (\(describeDevices(dropped))) and are left out of the mean and spread"
    }

    /// A model's inference graph (as the service runs it) and the weights it reads.
    static func inferenceBlobs(_ m: ModelInstance, session: Session, span: SourceSpan) throws -> (graph: [UInt8], weights: [UInt8]) {
        let runner = try InferenceRunner.for(m, options: session.executionOptions)
        let bound = try BoundStore(graph: runner.executor.graph, owners: runner.owners, table: m.table, home: m, span: span)
        var weights: [String: Tensor] = [:]
        for p in runner.executor.graph.parameters { weights[p.name] = bound.store.tensors[p.name] }
        return (TaskWire.graph(runner.executor.graph), try TaskWire.weights(weights))
    }

    /// Decodes an evaluate-like reply's metrics.
    static func metrics(_ reply: DeviceTaskReply, device: Int, origin: String, span: SourceSpan) throws -> MetricsValue {
        do {
            let r = try TaskWire.decode(EvaluateReplySpec.self, reply.spec, what: "the evaluate reply")
            try TaskWire.blobs(reply.blobs, count: 0, what: "the evaluate reply")
            guard r.version == deviceTaskVersion, r.metrics.count <= 16 else {
                throw DeviceTaskError(code: RuntimeCode.deployment, message: "the evaluate reply does not fit the task", hint: nil)
            }
            return MetricsValue(values: try r.metrics.map { ($0.name, try TaskWire.double($0.value, what: "metric \($0.name.prefix(40))")) })
        } catch let e as DeviceTaskError {
            throw error(e, device: device, origin: origin, span: span)
        }
    }

    /// A device host's error at the statement that sent the work.
    static func error(_ e: DeviceTaskError, device: Int, origin: String, span: SourceSpan) -> RuntimeError {
        RuntimeError(e.code, e.message, at: span, hint: e.hint, notes: ["this ran on the host of device \(device), where `\(origin)` lives"])
    }

    /// The reply's weights must be exactly those asked for, each shaped as sent.
    static func expect(_ back: [String: Tensor], names: [String], like sent: [String: Tensor]) throws {
        guard back.count == names.count else {
            throw DeviceTaskError(code: RuntimeCode.deployment, message: "the reply carries \(back.count) weights, \(names.count) were asked for", hint: nil)
        }
        for n in names {
            guard let t = back[n] else {
                throw DeviceTaskError(code: RuntimeCode.deployment, message: "the reply lacks the weights `\(n.prefix(80))`", hint: nil)
            }
            if let s = sent[n], s.shape != t.shape || s.dtype != t.dtype {
                throw DeviceTaskError(code: RuntimeCode.deployment, message: "the reply's `\(n.prefix(80))` is \(t.dtype.rawValue)\(t.shape), sent as \(s.dtype.rawValue)\(s.shape)", hint: nil)
            }
        }
    }
}
