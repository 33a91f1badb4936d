// A device host's side of device work: holds the data of its devices (derived from the
// script's role, as the service derives it) and runs the tasks the service sends — the same
// training loop and the same metrics code as an in-process run, so the replies are bit for bit
// what the service would have computed itself. Everything in a task is checked before use.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLGraph
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

    public init(role: String, devices: [Int: ClientData], pool: ThreadPool) {
        self.role = role
        self.devices = devices
        self.pool = pool
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
                                  hint: "the host and the service must read the same files, and every random transform in the role's data needs a `seed:`")
        }
        return d
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
        try TaskWire.blobs(task.blobs, count: 2, what: "the train task")
        guard spec.batch > 0, spec.epochs >= 0, spec.totalSteps >= 0, spec.returning.count <= 1 << 16 else {
            throw fail("the train task's batch, epochs or steps are out of range")
        }
        let d = try data(device: task.device, role: spec.role, part: spec.part, fingerprint: spec.fingerprint)
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
        let reply = TrainReplySpec(epochs: epochs, steps: result.steps, samples: result.samples, lastLoss: TaskWire.bits(result.lastLoss))
        return DeviceTaskReply(spec: try TaskWire.encode(reply), blobs: [try TaskWire.weights(back)])
    }

    private func evaluate(_ task: DeviceTask) throws -> DeviceTaskReply {
        let spec = try TaskWire.decode(EvaluateTaskSpec.self, task.spec, what: "the evaluate task")
        guard spec.version == deviceTaskVersion else { throw fail("evaluate task version \(spec.version), this host reads \(deviceTaskVersion)") }
        try TaskWire.blobs(task.blobs, count: 2, what: "the evaluate task")
        guard spec.batch > 0, spec.k >= 0, spec.inputs.count <= 64, spec.outputShape.count <= 8,
              spec.outputShape.allSatisfy({ $0 > 0 && $0 <= 1 << 24 }) else {
            throw fail("the evaluate task's batch, inputs or output shape are out of range")
        }
        let d = try data(device: task.device, role: spec.role, part: spec.part, fingerprint: spec.fingerprint)
        let executor = try executor(task.blobs[0], what: "the model graph")
        let store = ParameterStore(tensors: try TaskWire.weights(task.blobs[1], what: "the weights"))
        for p in executor.graph.parameters where store.tensors[p.name] == nil {
            throw fail("the task's weights lack `\(p.name.prefix(80))`")
        }
        var expected: [(name: String, shape: [Int], dtype: DType)] = []
        for i in spec.inputs {
            guard let dt = DType(rawValue: i.dtype), i.shape.count <= 8, i.shape.allSatisfy({ $0 >= 0 && $0 <= 1 << 24 }) else {
                throw fail("the evaluate task's input `\(i.name.prefix(40))` has an unknown type or shape")
            }
            expected.append((i.name, i.shape, dt))
        }
        var width = 1
        for x in spec.outputShape {
            let (w, o) = width.multipliedReportingOverflow(by: x)
            guard !o else { throw fail("the evaluate task's output shape overflows") }
            width = w
        }
        var out: [Float] = []
        do {
            for b in try d.batches(size: spec.batch) {
                let inputs = try InferenceRunner.inputs(b.columns, expected: expected, model: spec.model, span: .none)
                do {
                    out += try executor.run(inputs: inputs, store: store)[ForwardGraph.output]!.floats
                } catch let e as GraphError {
                    throw RuntimeError(RuntimeCode.shape, "\(e.op): \(e.message)", at: .none)
                }
            }
        } catch let e as DataError {
            throw RuntimeError(RuntimeCode.data, e.description, at: .none)
        }
        let metrics = try Evaluation.metrics(outputs: out, width: width, outputRank: spec.outputShape.count, data: d, k: spec.k, span: .none)
        let reply = EvaluateReplySpec(metrics: metrics.values.map { MetricWire(name: $0.0, value: TaskWire.bits($0.1)) })
        return DeviceTaskReply(spec: try TaskWire.encode(reply), blobs: [])
    }

    static func describe(_ xs: [Int]) -> String {
        guard let lo = xs.first, let hi = xs.last else { return "no devices" }
        return xs.count == hi - lo + 1 ? "devices \(lo)..\(hi)" : "\(xs.count) devices"
    }
}
