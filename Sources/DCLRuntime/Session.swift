// A run of a dcl program: the `RuntimeHooks` the evaluator calls for everything with effects —
// data, training, evaluation, weights on disk — plus the thread pool and progress output.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLGraph
import DCLSema
import DCLTensor
import Foundation

public final class Session: RuntimeHooks {
    /// Where `print` and per-epoch lines go.
    public var output: (String) -> Void
    public let pool: ThreadPool
    /// Times every compiled plan's ops (`dcl run --profile`).
    public var opProfiler: OpProfiler?
    /// How this session's compiled plans run.
    var executionOptions: ExecutionOptions { ExecutionOptions(pool: pool, profiler: opProfiler) }
    private(set) var progress: ProgressReporter
    /// How training shows progress (ProgressMode); set before the run.
    public var progressMode: ProgressMode {
        get { progress.mode }
        set {
            let out = output
            progress = ProgressReporter(mode: newValue, emit: { out($0) })
        }
    }
    weak var evaluator: Evaluator?
    /// Where work on one device's own data runs in a deployed run (`dcl serve`): its device's
    /// host. Nil: in this process, as `dcl run` simulates the fleet.
    public var deviceExecutor: DeviceExecutor?
    /// Fingerprints of the device parts this run sent work on (one hash per part per run).
    let fingerprints = DataFingerprints()
    /// Where a deployed run reports what the script's output must not carry (devices that
    /// dropped out of a round): standard error unless a caller says otherwise.
    public var notice: (String) -> Void = { line in FileHandle.standardError.write(Data(("dcl: " + line + "\n").utf8)) }
    /// Where `plot` writes a figure given a relative path (`dcl run --out DIR`); nil: the
    /// working directory.
    public var figureDirectory: String?
    /// Training graphs compiled once per canonical graph (a fleet's devices share them).
    let compiledGraphs = CompiledGraphCache()
    /// Outputs of frozen backbones per stored sample (ICIIA's plug-in protocol).
    let frozenOutputs = FrozenOutputCache()
    /// Whether training statements share compiled graphs (on by default; tests turn it off to
    /// prove sharing changes no result).
    public var sharesCompiledGraphs: Bool {
        get { compiledGraphs.enabled }
        set { compiledGraphs.enabled = newValue }
    }
    /// Training compiles done and reused so far.
    public var compiledGraphCounts: (compiled: Int, reused: Int) { (compiledGraphs.misses, compiledGraphs.hits) }
    /// Whether frozen backbones' outputs are reused per stored sample (on by default; tests turn
    /// it off to prove reuse changes no result).
    public var cachesFrozenOutputs: Bool {
        get { frozenOutputs.enabled }
        set { frozenOutputs.enabled = newValue }
    }
    /// Whether a distillation computes its teacher's outputs once, before training
    /// (TeacherOutputs.swift; on by default; tests turn it off to prove it changes no result).
    public var cachesTeacherOutputs = true
    /// Distillations that read their teacher's outputs from a column so far.
    public internal(set) var teacherOutputColumns = 0
    /// Samples whose frozen outputs were reused and computed so far.
    public var frozenOutputCounts: (reused: Int, computed: Int) { (frozenOutputs.hits, frozenOutputs.computedRows) }

    /// `threads`: kernel threads (nil: the machine's cores). `isTTY`: draw a live progress bar
    /// on standard error besides the epoch lines; `progress`, when given, decides instead.
    public init(threads: Int? = nil, isTTY: Bool = false, output: @escaping (String) -> Void = { print($0) },
                progress mode: ProgressMode? = nil) {
        self.output = output
        if let t = threads {
            ThreadPool.configureShared(threads: t)
        }
        pool = .shared
        progress = ProgressReporter(mode: mode ?? .lines(barOnStandardError: isTTY), emit: { output($0) })
    }

    public func attach(_ e: Evaluator) { evaluator = e }

    func evaluatorInterrupted() -> Bool { evaluator?.shouldInterrupt() ?? false }

    public func emit(_ text: String) { output(text) }

    public func concatenate(_ a: DCLCompiler.Value, _ b: DCLCompiler.Value, span: SourceSpan) throws -> DCLCompiler.Value {
        try DataBuiltins.concatenate(a, b, span: span)
    }

    public func callBuiltin(_ spec: BuiltinSpec, _ args: BoundArguments, subject: DCLCompiler.Value?, span: SourceSpan,
                            evaluator ev: Evaluator) throws -> DCLCompiler.Value {
        func model(_ name: String) throws -> ModelInstance {
            guard let m = try ev.asModel(args[name], span: span) else {
                throw RuntimeError(RuntimeCode.type, "`\(spec.name)` needs a model for `\(name)`, found \(args[name].kindName)", at: span)
            }
            return m
        }
        /// counts[true class][predicted class], for `confusion_matrix` and `class_accuracy`.
        func confusion() throws -> [[Int]] {
            let batch = try ev.positiveInt(args["batch"], "batch", span: span)
            return try Predictions(session: self).confusion(try model("model"), on: args["on"], batch: batch, name: spec.name, span: span)
        }
        if deviceExecutor != nil {
            try Deployment.refuseDeviceData(spec.name, in: args, subject: subject, sendable: Deployment.sendsToDevices(spec.builtin, args, subject: subject),
                                           span: span)
        }
        switch spec.builtin {
        case .dataSource(let source):
            return try DataBuiltins.source(source, args, span: span, evaluator: ev)
        case .transform(let transform):
            return try DataBuiltins.transform(transform, args, subject: subject ?? .none, span: span, evaluator: ev)
        case .model(.evaluate):
            let k = try ev.positiveInt(args["k"], "k", span: span), batch = try ev.positiveInt(args["batch"], "batch", span: span)
            if case .plugin(let p) = args["model"] {
                let memory = try ev.optional(args["memory"]) { try ev.int($0, "memory", span: span) }
                let minMemory = try ev.optional(args["min_memory"]) { try ev.int($0, "min_memory", span: span) }
                return .metrics(try PluginProtocol(session: self).evaluate(p, on: args["on"], memory: memory, minMemory: minMemory,
                                                                           batch: batch, span: span))
            }
            return .metrics(try Evaluation(session: self).evaluate(try model("model"), on: args["on"], k: k, batch: batch, span: span))
        case .model(.copy):
            return .model(try WeightOps.copy(try model("model"), evaluator: ev, span: span))
        case .model(.average):
            guard case .list(let ms) = args["models"] else { throw RuntimeError(RuntimeCode.type, "`average` needs a list of models", at: span) }
            let models = try ms.map { v -> ModelInstance in
                guard let m = try ev.asModel(v, span: span) else { throw RuntimeError(RuntimeCode.type, "`average` needs models, found \(v.kindName)", at: span) }
                return m
            }
            let ws = try ev.optional(args["weights"]) { try ev.doubleList($0, "weights", span: span) }
            return .model(try WeightOps.average(models, weights: ws, evaluator: ev, span: span))
        case .model(.assign):
            try WeightOps.assign(try model("model"), from: try model("from"), span: span)
            return .none
        case .model(.summary):
            return .string(try Summary.table(try model("model"), batch: try ev.positiveInt(args["batch"], "batch", span: span), span: span))
        case .model(.cost):
            let m = try model("model")
            let batch = try ev.positiveInt(args["batch"], "batch", span: span)
            let r: CostReport
            do { r = try m.cost(batch: batch) } catch let e as GraphError { throw RuntimeError(RuntimeCode.shape, e.message, at: span) }
            return .record(Record([("flops", .int(r.totalFlops)), ("params", .int(m.parameterCount)), ("peak_bytes", .int(r.peakActivationBytes))]))
        case .output(.plot):
            return try PlotBuiltin.plot(args, span: span, evaluator: ev, directory: figureDirectory)
        case .output(.predict):
            let batch = try ev.positiveInt(args["batch"], "batch", span: span)
            return try Predictions(session: self).predict(try model("model"), on: args["on"], batch: batch, span: span)
        case .output(.confusionMatrix):
            return .list(try confusion().map { .list($0.map { .int($0) }) })
        case .output(.classAccuracy):
            return .list(Predictions.classAccuracy(try confusion()))
        case .model(.history):
            let m = try model("model")
            guard let h = m.trainingHistory else {
                throw RuntimeError(RuntimeCode.value, "`\(m.name)` has not been trained in this run: `history` reads its last `train` or `distill`", at: span)
            }
            return h
        case .model(.reinit):
            let m = try model("model")
            let seed = try ev.optional(args["seed"]) { UInt64(bitPattern: Int64(try ev.int($0, "seed", span: span))) }
            try Checkpoint.reinitialize(m, seed: seed ?? ev.seed &+ UInt64(m.id.raw), span: span)
            return .none
        case .layer, .tensorOp, .loss, .script, .partitioner, .optimizer, .schedule, .pattern:
            // The evaluator computes these itself; only data, model and output built-ins reach the hooks.
            throw RuntimeError(RuntimeCode.type, "`\(spec.name)` is not available in this run", at: span)
        }
    }

    public func callMethod(_ receiver: DCLCompiler.Value, _ method: Method, _ args: BoundArguments, span: SourceSpan,
                           evaluator ev: Evaluator) throws -> DCLCompiler.Value {
        // A retrieval places its own work (RetrievalProtocol: coarse matching in the service,
        // the fine filter's training on the device).
        var placesItself = false
        if case .retrieval = method { placesItself = true }
        if deviceExecutor != nil, !placesItself {
            try Deployment.refuseDeviceData("\(receiver.kindName).\(method.name)", in: args, subject: receiver, sendable: false, span: span)
        }
        // The method was looked up by the receiver's type, so the two agree.
        switch method {
        case .retrieval(let m):
            guard case .retrieval(let r) = receiver else { break }
            return try RetrievalProtocol(session: self, evaluator: ev).call(r, m, args, span: span)
        case .plugin(let m):
            guard case .plugin(let p) = receiver else { break }
            switch m {
            case .reset:
                p.memories.removeAll()
                return .none
            }
        }
        throw RuntimeError(RuntimeCode.type, "a \(receiver.kindName) has no method `\(method.name)`", at: span)
    }

    public func train(_ request: TrainRequest, evaluator ev: Evaluator) throws {
        let source = try Trainer.source(request.data, span: request.span)
        // A plug-in trains its head on the frozen backbone's features (ICIIA's protocol).
        if request.targets.count == 1, case .plugin(let p) = request.targets[0], request.objective == nil {
            try PluginProtocol(session: self).train(p, on: source, options: request.options, evaluator: ev, span: request.span)
            return
        }
        var targets: [ModelInstance] = []
        for (v, text) in zip(request.targets, request.targetTexts) {
            if case .plugin = v {
                throw RuntimeError(RuntimeCode.type, "a plug-in trains on its own (`train \(text) on clients`), without `minimizing`", at: request.span)
            }
            guard let m = try ev.asModel(v, span: request.span) else {
                throw RuntimeError(RuntimeCode.type, "`train` updates models, `\(text)` is a \(v.kindName)", at: request.span)
            }
            targets.append(m)
        }
        let objective: ObjectiveSource
        if let written = request.objective {
            objective = .expression(written)
        } else {
            objective = .defaultLoss(targets[0], labels: try labelColumn(source, span: request.span))
        }
        _ = try Trainer(evaluator: ev, session: self).train(targets: targets, names: request.targetTexts, data: source, objective: objective,
                                                             options: request.options, label: request.targetTexts.joined(separator: ", "),
                                                             span: request.span)
    }

    func labelColumn(_ s: Trainer.Source, span: SourceSpan) throws -> String {
        let d = try s.prototype(span: span)
        guard d.hasColumn(d.labelColumn) else {
            throw RuntimeError(RuntimeCode.data, "the data has no label column `\(d.labelColumn)`; write the loss with `minimizing …`", at: span)
        }
        return d.labelColumn
    }

    public func distill(_ d: DistillValue, data: DCLCompiler.Value, options: TrainOptions, span: SourceSpan, evaluator ev: Evaluator) throws {
        let source = try Trainer.source(data, span: span)
        if source.side == .device, d.teacher.cloudOnly {
            throw RuntimeError(RuntimeCode.placement, "distilling `\(d.name)` reads its cloud-only teacher `\(d.teacher.name)` on the device, where `\(source.origin)` lives",
                               at: span)
        }
        var data = source, objective = ObjectiveSource.distillation(d)
        if cachesTeacherOutputs, let cached = try TeacherOutputs.attach(d, to: source, session: self, span: span) {
            teacherOutputColumns += 1
            data = cached.data
            objective = .distillationFromColumn(d, column: cached.column)
        }
        _ = try Trainer(evaluator: ev, session: self).train(targets: [d.student], names: [d.name], data: data,
                                                             objective: objective, options: options,
                                                             label: "distill \(d.name)", span: span)
    }

    public func save(_ model: DCLCompiler.Value, to path: String, span: SourceSpan) throws {
        if case .list = model { return try ValueFiles.save(model, to: path, span: span) }
        if case .bundle(let b) = model, let ev = evaluator {
            return try BundleCheckpoint.save(b, to: path, evaluator: ev, span: span)
        }
        guard let ev = evaluator, let m = try ev.asModel(model, span: span) else {
            throw RuntimeError(RuntimeCode.type, "only models can be saved", at: span)
        }
        try Checkpoint.save(m, to: path, span: span)
    }

    public func load(_ model: DCLCompiler.Value, from path: String, span: SourceSpan) throws {
        if case .bundle(let b) = model, let ev = evaluator {
            return try BundleCheckpoint.load(b, from: path, evaluator: ev, span: span)
        }
        guard let ev = evaluator, let m = try ev.asModel(model, span: span) else {
            throw RuntimeError(RuntimeCode.type, "only models can be loaded", at: span)
        }
        try Checkpoint.load(m, from: path, span: span)
    }
}
