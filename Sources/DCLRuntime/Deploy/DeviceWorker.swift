// A device host's side of device work: holds the data of its devices (derived from the
// script's role, as the service derives it), makes the data a task names from them (repeating
// the task's transforms through the host's own interpreter) and runs the tasks the service
// sends — the same training loop and the same metrics code as an in-process run, so the replies
// are bit for bit what the service would have computed itself. Everything in a task is checked
// before use.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLGraph
import DCLSema
import DCLTensor
import Foundation

public final class DeviceWorker: @unchecked Sendable {
    /// The role whose devices this worker holds.
    public let role: String
    private let devices: [Int: ClientData]
    private let pool: ThreadPool
    /// One task at a time (this lock makes the worker safe to share with a transport's
    /// handler threads): the engine already spreads each task's kernels over the pool.
    private let lock = NSLock()
    private var fingerprints: [String: String] = [:]
    /// Parsed and compiled graphs by their text (devices of a fleet train the same graphs).
    private var executors: [String: Executor] = [:]
    private var executorOrder: [String] = []
    private static let maxCachedGraphs = 16

    /// The host's interpreter, which repeats the transforms of a derived data set (the same
    /// code the service ran); nil: such tasks are refused.
    private let evaluator: Evaluator?

    public init(role: String, devices: [Int: ClientData], pool: ThreadPool, evaluator: Evaluator? = nil) {
        self.role = role
        self.devices = devices
        self.pool = pool
        self.evaluator = evaluator
    }

    /// The devices held, in order.
    public var deviceIndices: [Int] { devices.keys.sorted() }

    /// Runs one task; an error is the message the service shows at the statement.
    public func handle(_ task: DeviceTask) -> Result<DeviceTaskReply, DeviceTaskError> {
        lock.lock()
        defer { lock.unlock() }
        do {
            switch task.kind {
            case .train: return .success(try train(task))
            case .evaluate: return .success(try evaluate(task))
            case .evaluatePlugin: return .success(try evaluatePlugin(task))
            }
        } catch let e as DeviceTaskError {
            return .failure(e)
        } catch let e as RuntimeError {
            return .failure(DeviceTaskError(code: e.code, message: e.message, hint: e.hint))
        } catch {
            return .failure(DeviceTaskError(code: RuntimeCode.deployment, message: "\(error)", hint: nil))
        }
    }

    private func fail(_ message: String) -> DeviceTaskError {
        DeviceTaskError(code: RuntimeCode.deployment, message: message, hint: nil)
    }

    /// The device's part, after checking that it is the data the service means.
    private func data(device: Int, role: String, part: String, fingerprint: String) throws -> Dataset {
        guard role == self.role else { throw fail("this host holds devices of `\(self.role)`, the task is for `\(role.prefix(40))`") }
        guard let client = devices[device] else {
            throw fail("device \(device) is not on this host (it holds \(Self.describe(deviceIndices)))")
        }
        let p = try TaskWire.part(part)
        let d = p == .train ? client.train : client.test
        let key = "\(device)/\(p.rawValue)"
        let mine: String
        if let f = fingerprints[key] { mine = f } else {
            mine = try DataFingerprint.of(d)
            fingerprints[key] = mine
        }
        guard mine == fingerprint else {
            throw DeviceTaskError(code: RuntimeCode.deployment,
                                  message: "device \(device)'s \(p.rawValue) data on this host differs from the service's",
                                  hint: Self.sameDataHint)
        }
        return d
    }

    /// The data a train or evaluate task names: the device's own part, or the data set its
    /// derivation makes from it (with the task's objects from `firstObject` on), checked
    /// against the service's fingerprint either way.
    private func data(_ task: DeviceTask, role: String, part: String?, derivation: DerivationWire?, fingerprint: String,
                      objects: Range<Int>) throws -> Dataset {
        let firstObject = objects.lowerBound
        guard objects.lowerBound >= 0, objects.upperBound <= task.blobs.count else {
            throw fail("the task carries \(task.blobs.count) objects, expected at least \(objects.upperBound)")
        }
        switch (part, derivation) {
        case (let part?, nil):
            guard objects.isEmpty else { throw fail("the task carries \(objects.count) objects its data does not use") }
            return try data(device: task.device, role: role, part: part, fingerprint: fingerprint)
        case (nil, let derivation?):
            guard role == self.role else { throw fail("this host holds devices of `\(self.role)`, the task is for `\(role.prefix(40))`") }
            guard let client = devices[task.device] else {
                throw fail("device \(task.device) is not on this host (it holds \(Self.describe(deviceIndices)))")
            }
            try derivation.validate(objects: task.blobs.count)
            guard Set(try derivation.objectIndices()) == Set(firstObject..<objects.upperBound) else {
                throw fail("the task's objects do not match its data derivation")
            }
            let d = try derive(derivation, client: client, device: task.device, objects: task.blobs)
            guard try DataFingerprint.of(d) == fingerprint else {
                throw DeviceTaskError(code: RuntimeCode.deployment,
                                      message: "device \(task.device)'s data made on this host differs from the service's",
                                      hint: Self.sameDataHint)
            }
            return d
        default:
            throw fail("the task must name either the device's part or a derivation of it")
        }
    }

    /// Makes a derived data set from the device's own part, step by step as the service did.
    private func derive(_ w: DerivationWire, client: ClientData, device: Int, objects: [[UInt8]]) throws -> Dataset {
        switch w {
        case .part(let p):
            return try TaskWire.part(p) == .train ? client.train : client.test
        case .transform(let base, let name, let args):
            guard let t = TransformBuiltin(rawValue: name), DataBuiltins.isRepeatableOnDevice(t) else {
                throw fail("the task asks for the transform `\(name.prefix(40))`, which a device host does not repeat")
            }
            guard let evaluator else { throw fail("this host cannot repeat transforms of device data") }
            var bound = BoundArguments()
            for a in args { bound.set(a.name, value: try a.value.value()) }
            let input = DataValue(try derive(base, client: client, device: device, objects: objects), side: .device, origin: "device \(device)")
            guard case .dataset(let out) = try DataBuiltins.transformDataset(t, bound, input, span: .none, evaluator: evaluator) else {
                throw fail("`\(name)` did not make a data set")
            }
            return out.dataset
        case .concat(let parts):
            let ds = try parts.map { try derive($0, client: client, device: device, objects: objects) }
            do { return try Dataset.concatenate(ds) } catch let e as DataError { throw fail(e.description) }
        case .cloud(let c, let v):
            return try DatasetWire.decode(columns: objects[c], vocabularies: objects[v], what: "the cloud samples")
        case .sampleClassifier(let local, let c, let v, let e, let owner):
            guard owner == device else { throw fail("the sample classifier's data is for device \(owner), the task for device \(device)") }
            let candidates = try DatasetWire.decode(columns: objects[c], vocabularies: objects[v], what: "the candidates")
            var table: SampleClassifierData.Embeddings?
            if let e {
                guard let t = try TaskWire.weights(objects[e], what: "the item embeddings")["embeddings"], t.dtype == .float32, t.rank == 2, t.shape[1] > 0 else {
                    throw fail("the item embeddings are not a float32 [items, dim] table")
                }
                table = (t.floats, t.shape[1])
            }
            return try SampleClassifierData.trainingSet(local: try derive(local, client: client, device: device, objects: objects), candidates: candidates,
                                                        embeddings: table, device: device, span: .none)
        }
    }

    private func executor(_ bytes: [UInt8], what: String) throws -> Executor {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("\(what) is not UTF-8 text") }
        if let e = executors[text] { return e }
        let g = try TaskWire.graph(bytes, what: what)
        let e: Executor
        do { e = try Executor(graph: g, options: ExecutionOptions(pool: pool, profiler: nil)) } catch {
            throw fail("\(what) does not compile: \(error)")
        }
        executors[text] = e
        executorOrder.append(text)
        if executorOrder.count > Self.maxCachedGraphs { executors[executorOrder.removeFirst()] = nil }
        return e
    }

    private func train(_ task: DeviceTask) throws -> DeviceTaskReply {
        let spec = try TaskWire.decode(TrainTaskSpec.self, task.spec, what: "the train task")
        guard spec.version == deviceTaskVersion else { throw fail("train task version \(spec.version), this host reads \(deviceTaskVersion)") }
        guard spec.batch > 0, spec.epochs >= 0, spec.totalSteps >= 0, spec.returning.count <= 1 << 16 else {
            throw fail("the train task's batch, epochs or steps are out of range")
        }
        let dataEnd = spec.then?.firstObject ?? task.blobs.count
        guard task.blobs.count >= 2, dataEnd >= 2, dataEnd <= task.blobs.count - (spec.then == nil ? 0 : 1) else {
            throw fail("the train task carries \(task.blobs.count) objects, which do not fit its graph, weights and data")
        }
        let d = try data(task, role: spec.role, part: spec.part, derivation: spec.derivation, fingerprint: spec.fingerprint, objects: 2..<dataEnd)
        let executor = try executor(task.blobs[0], what: "the training graph")
        let store = ParameterStore(tensors: try TaskWire.weights(task.blobs[1], what: "the weights"))
        // The task carries the models' weights; the optimiser's state starts here, as the
        // service would have started it (zeros, from the graph's initializers).
        try store.initialize(executor.graph, seed: 0)
        store.step = 0
        let loop = TrainingLoop(executor: executor, store: store, batchSize: spec.batch, shuffle: spec.shuffle,
                                baseSeed: try TaskWire.seed(spec.baseSeed, what: "seed"), totalSteps: spec.totalSteps, span: .none)
        var result = TrainingResult()
        var epochs: [EpochWire] = []
        for epoch in 0..<spec.epochs {
            let s = try loop.runEpoch(epoch, over: .dataset(d), result: &result)
            epochs.append(EpochWire(lossSum: TaskWire.bits(s.lossSum), batches: s.batches, samples: s.samples,
                                    seconds: TaskWire.bits(s.seconds), stepsAfter: s.stepsAfter))
            if result.steps >= spec.totalSteps { break }
        }
        var back: [String: Tensor] = [:]
        for name in spec.returning {
            guard let t = store.tensors[name] else { throw fail("the task asks back `\(name.prefix(80))`, which the graph does not hold") }
            back[name] = t
        }
        var reply = TrainReplySpec(epochs: epochs, steps: result.steps, samples: result.samples, lastLoss: TaskWire.bits(result.lastLoss))
        if let then = spec.then { reply.metrics = try evaluate(then, task, trained: store) }
        return DeviceTaskReply(spec: try TaskWire.encode(reply), blobs: [try TaskWire.weights(back)])
    }

    /// A train task's `then`: the model's metrics with the weights just trained.
    private func evaluate(_ then: EvaluateAfterWire, _ task: DeviceTask, trained: ParameterStore) throws -> [MetricWire] {
        let spec = then.evaluation
        try check(spec)
        guard then.weights.count <= 1 << 16 else { throw fail("the train task's evaluation maps \(then.weights.count) weights") }
        let d = try data(task, role: spec.role, part: spec.part, derivation: spec.derivation, fingerprint: spec.fingerprint,
                         objects: (then.firstObject + 1)..<task.blobs.count)
        let executor = try executor(task.blobs[then.firstObject], what: "the model graph")
        let store = ParameterStore()
        for p in executor.graph.parameters {
            guard let source = then.weights[p.name], let t = trained.tensors[source] else {
                throw fail("the evaluation's weights lack `\(p.name.prefix(80))`")
            }
            guard t.shape == p.shape, t.dtype == p.dtype else {
                throw fail("the evaluation's `\(p.name.prefix(80))` is \(t.dtype.rawValue)\(t.shape), the graph wants \(p.dtype.rawValue)\(p.shape)")
            }
            store.tensors[p.name] = t
        }
        return try metrics(spec, executor, store, on: d)
    }

    private func evaluate(_ task: DeviceTask) throws -> DeviceTaskReply {
        let spec = try TaskWire.decode(EvaluateTaskSpec.self, task.spec, what: "the evaluate task")
        guard spec.version == deviceTaskVersion else { throw fail("evaluate task version \(spec.version), this host reads \(deviceTaskVersion)") }
        try check(spec)
        guard task.blobs.count >= 2 else { throw fail("the evaluate task carries \(task.blobs.count) objects, expected its graph and weights") }
        let d = try data(task, role: spec.role, part: spec.part, derivation: spec.derivation, fingerprint: spec.fingerprint, objects: 2..<task.blobs.count)
        let executor = try executor(task.blobs[0], what: "the model graph")
        let store = try weights(task.blobs[1], for: executor)
        let metrics = try metrics(spec, executor, store, on: d)
        return DeviceTaskReply(spec: try TaskWire.encode(EvaluateReplySpec(metrics: metrics)), blobs: [])
    }

    /// An evaluation's options, checked before anything else of its task is read.
    private func check(_ spec: EvaluateTaskSpec) throws {
        guard spec.batch > 0, spec.k >= 0, spec.outputShape.count <= 8 else {
            throw fail("the evaluation's batch, k or output shape are out of range")
        }
    }

    /// An evaluation's metrics: the model's outputs over `d`, through the in-process run's
    /// metrics function.
    private func metrics(_ spec: EvaluateTaskSpec, _ executor: Executor, _ store: ParameterStore, on d: Dataset) throws -> [MetricWire] {
        let width = try product(spec.outputShape, what: "output shape")
        let out = try outputs(executor, store, expected: try inputs(spec.inputs), model: spec.model, on: d, batch: spec.batch)
        let metrics = try Evaluation.metrics(outputs: out, width: width, outputRank: spec.outputShape.count, data: d, k: spec.k, span: .none)
        return metrics.values.map { MetricWire(name: $0.0, value: TaskWire.bits($0.1)) }
    }

    private func evaluatePlugin(_ task: DeviceTask) throws -> DeviceTaskReply {
        let spec = try TaskWire.decode(PluginTaskSpec.self, task.spec, what: "the plug-in task")
        guard spec.version == deviceTaskVersion else { throw fail("plug-in task version \(spec.version), this host reads \(deviceTaskVersion)") }
        try TaskWire.blobs(task.blobs, count: 6, what: "the plug-in task")
        guard spec.capacity >= 0, spec.capacity <= 1 << 20, spec.threshold >= 0, spec.featureWidth > 0, spec.featureWidth <= 1 << 20,
              spec.classes > 0, spec.classes <= 1 << 20, spec.featureShape.count <= 8,
              try product(spec.featureShape, what: "feature shape") == spec.featureWidth else {
            throw fail("the plug-in task's memory, widths or classes are out of range")
        }
        let history = try data(device: task.device, role: spec.role, part: ClientPart.train.rawValue, fingerprint: spec.historyFingerprint)
        let test = try data(device: task.device, role: spec.role, part: spec.part, fingerprint: spec.testFingerprint)
        let featureExecutor = try executor(task.blobs[0], what: "the feature graph")
        let featureStore = try weights(task.blobs[1], for: featureExecutor)
        let backboneExecutor = try executor(task.blobs[2], what: "the backbone graph")
        let backboneStore = try weights(task.blobs[3], for: backboneExecutor)
        let pluginExecutor = try executor(task.blobs[4], what: "the plug-in graph")
        let pluginStore = try weights(task.blobs[5], for: pluginExecutor)
        let backboneInputs = try inputs(spec.backboneInputs)
        let pluginInputs: [(name: String, shape: [Int], dtype: DType)] = [("features", spec.featureShape, .float32)]
        let run = PluginClientRun(
            capacity: spec.capacity, threshold: spec.threshold, featureWidth: spec.featureWidth, classes: spec.classes,
            features: { try self.outputs(featureExecutor, featureStore, expected: backboneInputs, model: spec.backbone, on: $0, batch: 256) },
            backboneOutputs: { try self.outputs(backboneExecutor, backboneStore, expected: backboneInputs, model: spec.backbone, on: $0, batch: 256) },
            plugin: { tokens in
                let inputs = try InferenceRunner.inputs(["features": tokens], expected: pluginInputs, model: "plug-in", span: .none)
                do { return try pluginExecutor.run(inputs: inputs, store: pluginStore)[ForwardGraph.output]!.floats } catch let e as GraphError {
                    throw RuntimeError(RuntimeCode.shape, "\(e.op): \(e.message)", at: .none)
                }
            },
            interrupted: { false })
        let metrics = try run.metrics(history: history, test: test, span: .none)
        let reply = EvaluateReplySpec(metrics: metrics.values.map { MetricWire(name: $0.0, value: TaskWire.bits($0.1)) })
        return DeviceTaskReply(spec: try TaskWire.encode(reply), blobs: [])
    }

    /// A graph's weights from a task: every parameter present.
    private func weights(_ bytes: [UInt8], for executor: Executor) throws -> ParameterStore {
        let store = ParameterStore(tensors: try TaskWire.weights(bytes, what: "the weights"))
        for p in executor.graph.parameters where store.tensors[p.name] == nil {
            throw fail("the task's weights lack `\(p.name.prefix(80))`")
        }
        return store
    }

    private func inputs(_ wire: [InputWire]) throws -> [(name: String, shape: [Int], dtype: DType)] {
        guard wire.count <= 64 else { throw fail("the task names \(wire.count) inputs") }
        return try wire.map { i in
            guard let dt = DType(rawValue: i.dtype), i.shape.count <= 8, i.shape.allSatisfy({ $0 >= 0 && $0 <= 1 << 24 }) else {
                throw fail("the task's input `\(i.name.prefix(40))` has an unknown type or shape")
            }
            return (i.name, i.shape, dt)
        }
    }

    private func product(_ shape: [Int], what: String) throws -> Int {
        var n = 1
        for x in shape {
            guard x > 0, x <= 1 << 24 else { throw fail("the task's \(what) \(shape) is out of range") }
            let (m, o) = n.multipliedReportingOverflow(by: x)
            guard !o else { throw fail("the task's \(what) overflows") }
            n = m
        }
        return n
    }

    /// A model's outputs on every sample of `d`, in order (as Evaluation.outputs computes them).
    private func outputs(_ executor: Executor, _ store: ParameterStore, expected: [(name: String, shape: [Int], dtype: DType)], model: String,
                         on d: Dataset, batch: Int) throws -> [Float] {
        var out: [Float] = []
        do {
            for b in try d.batches(size: batch) {
                let inputs = try InferenceRunner.inputs(b.columns, expected: expected, model: model, span: .none)
                do {
                    out += try executor.run(inputs: inputs, store: store)[ForwardGraph.output]!.floats
                } catch let e as GraphError {
                    throw RuntimeError(RuntimeCode.shape, "\(e.op): \(e.message)", at: .none)
                }
            }
        } catch let e as DataError {
            throw RuntimeError(RuntimeCode.data, e.description, at: .none)
        }
        return out
    }

    /// What makes a host's data the service's: the same script, seed, values and files.
    static let sameDataHint = "start every host with the service's script, `--seed` and `--set` values and the same data files; every random transform in the role's data needs a `seed:`"

    static func describe(_ xs: [Int]) -> String {
        guard let lo = xs.first, let hi = xs.last else { return "no devices" }
        return xs.count == hi - lo + 1 ? "devices \(lo)..\(hi)" : "\(xs.count) devices"
    }
}
