// `dcl bench …`: engine benchmarks with the same protocol as the reference scripts in
// bench-ref/ (gemm.py: calibrated inner loop, 7 reps, median; torch_bench.py: 16 pre-generated
// batches, warm-up, 7 reps of N steps, median samples/s), so the numbers compare side by side.
// Not tests: timings depend on the machine and its load.

import ArgumentParser
import DCLBench
import DCLCompiler
import DCLRuntime
import DCLGraph
import DCLTensor
import Foundation

/// `dcl bench`'s subcommands from the driver; the command line adds the fleet service's load
/// test (`dcl bench serve`, in DCLDeploy, which the driver does not depend on).
public enum BenchCommands {
    public static let engine: [ParsableCommand.Type] = [GEMMBench.self, TrainBench.self, BenchParse.self, FleetBench.self, RetrieveBench.self]
    public static let abstract = "Measure dcl: GEMM, training-step and parse throughput, fleet runs against PyTorch, retrieval against numpy and faiss, the fleet service under load."
}

/// Median of a non-empty array.
func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Peak resident set size of this process in KiB.
func peakRSSKiB() -> Int {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Int(u.ru_maxrss)
}

func jsonLine(_ fields: [(String, Any)]) -> String {
    "{" + fields.map { k, v in
        let value: String
        switch v {
        case let s as String: value = "\"\(s)\""
        case let d as Double: value = String(format: "%.6g", d)
        default: value = "\(v)"
        }
        return "\"\(k)\": \(value)"
    }.joined(separator: ", ") + "}"
}

struct GEMMBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm", abstract: "C = A·B throughput in GFLOP/s (2·M·N·K per call).")

    @Option(help: "Rows of A and C.") var m = 1024
    @Option(help: "Columns of B and C.") var n = 1024
    @Option(help: "Inner dimension.") var k = 1024
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Flag(help: "Use Aᵀ stored K×M.") var transA = false
    @Flag(help: "Use Bᵀ stored N×K.") var transB = false
    @Flag(help: "Print one JSON line.") var json = false
    @Flag(help: "Run every shape of bench-ref/gemm.py (squares 64–2048, MLP and LeNet layers).") var suite = false

    func validate() throws {
        guard m > 0, n > 0, k > 0 else { throw ValidationError("--m, --n and --k must be positive (got \(m), \(n), \(k))") }
        guard m <= 1 << 15, n <= 1 << 15, k <= 1 << 15 else { throw ValidationError("--m, --n and --k must be at most 32768") }
        try validateThreads(threads)
    }

    /// The shapes of bench-ref/gemm.py, in its order: (label, M, K, N).
    static let suiteShapes: [(String, Int, Int, Int)] = [64, 128, 256, 512, 1024, 2048].map { ("square \($0)", $0, $0, $0) } + [
        ("mlp fwd L1 b256 (256x784@784x128)", 256, 784, 128),
        ("mlp fwd L3 b256 (256x128@128x10)", 256, 128, 10),
        ("mlp fwd L1 b64 (64x784@784x256)", 64, 784, 256),
        ("mlp fwd L1 b256 (256x784@784x256)", 256, 784, 256),
        ("mlp fwd L2 b256 (256x256@256x128)", 256, 256, 128),
        ("mlp dW L1 b256 (784x256@256x256)", 784, 256, 256),
        ("mlp dX L1 b256 (256x256@256x784)", 256, 256, 784),
        ("im2col conv1 b64 cols@W (36864x25@25x6)", 64 * 24 * 24, 25, 6),
        ("im2col conv1 b1 W@cols (6x25@25x576)", 6, 25, 576),
        ("im2col conv1 b64 W@cols (6x25@25x36864)", 6, 25, 64 * 24 * 24),
        ("im2col conv2 b64 cols@W (4096x150@150x16)", 64 * 8 * 8, 150, 16),
        ("im2col conv2 b64 W@cols (16x150@150x4096)", 16, 150, 64 * 8 * 8),
    ]

    func run() throws {
        if suite {
            for (label, m, k, n) in Self.suiteShapes {
                var one = self
                one.suite = false
                one.m = m; one.k = k; one.n = n
                try one.measure(label: label)
            }
            return
        }
        try measure(label: "\(m)x\(k)@\(k)x\(n)")
    }

    func measure(label: String) throws {
        let pool = ThreadPool(threads: threads ?? ThreadPool.shared.threadCount)
        var rng = SeededGenerator(seed: 0)
        let a = (0..<(m * k)).map { _ in Float(rng.nextNormal()) }, b = (0..<(k * n)).map { _ in Float(rng.nextNormal()) }
        var c = [Float](repeating: 0, count: m * n)
        let lda = transA ? m : k, ldb = transB ? k : n
        func call() {
            GEMM.sgemm(m: m, n: n, k: k, a: a, lda: max(1, lda), transA: transA, b: b, ldb: max(1, ldb), transB: transB,
                       c: &c, ldc: n, pool: pool)
        }
        call()
        var iters = 1
        while true {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<iters { call() }
            if Double(DispatchTime.now().uptimeNanoseconds - t0) >= 0.15e9 || iters >= 1 << 20 { break }
            iters *= 2
        }
        var times: [Double] = []
        for _ in 0..<7 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<iters { call() }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 / Double(iters))
        }
        let t = median(times)
        let gflops = 2 * Double(m) * Double(n) * Double(k) / t / 1e9
        if json {
            print(jsonLine([("bench", "gemm"), ("label", label), ("M", m), ("N", n), ("K", k), ("threads", pool.threadCount),
                            ("trans_a", transA), ("trans_b", transB), ("sec", t), ("gflops", gflops)]))
        } else {
            print(String(format: "gemm %dx%d·%dx%d  %d threads  %.1f us  %.1f GFLOP/s", m, k, k, n, pool.threadCount, t * 1e6, gflops))
        }
    }
}

struct TrainBench: ParsableCommand {
    /// A script's model: the engine alone vs the interpreter's `train`, and the overhead.
    func runScript(pool: ThreadPool) throws {
        let found = try ModelLookup.models(file: model, expression: expr, diagnostics: .text, command: "bench")
        let models = found.models
        guard models.count == 1 || expr != nil, let (name, m) = models.first else {
            throw ValidationError("\(model) defines \(models.count) models; choose one with --expr")
        }
        let stepsPerRep = steps ?? max(50, 12800 / batch)
        // Trained in the session that made it: its parameters belong to that session's models.
        let r = try TrainingBenchmark.run(m, evaluator: found.session, session: found.runtime, batch: batch, steps: stepsPerRep, reps: reps)
        if json {
            print(jsonLine([("bench", "train"), ("model", "\(model):\(name)"), ("batch", batch), ("threads", pool.threadCount),
                            ("samples_per_s", r.interpreterSamplesPerSecond), ("engine_samples_per_s", r.engineSamplesPerSecond),
                            ("interpreter_overhead", r.overhead), ("steps", stepsPerRep), ("reps", reps), ("maxrss_kib", peakRSSKiB())]))
        } else {
            print(String(format: "%@ batch %d, %d threads: interpreter %.0f samples/s, engine alone %.0f samples/s, overhead %.1f%%",
                         name, batch, pool.threadCount, r.interpreterSamplesPerSecond, r.engineSamplesPerSecond, 100 * r.overhead))
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training-step throughput (forward, cross-entropy, backward, Adam) through GraphBuilder + autodiff + executor.")

    @Option(help: "mlp (784-256-128-10), lenet (LeNet-5 on 1×28×28), attention (pre-norm MHA block, 64×128, 4 heads: forward + backward only, as bench-ref's attn_fwdbwd), or a .dcl script whose model to train.") var model = "mlp"
    @Option(help: "With a .dcl script: the model expression to train (default: its only top-level model).") var expr: String?
    @Option(help: "Batch size.") var batch = 64
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "Timed repetitions.") var reps = 7
    @Option(help: "Steps per repetition (default: as torch_bench.py).") var steps: Int?
    @Flag(help: "Skip the fusion pass.") var noFusion = false
    @Flag(help: "Print one JSON line.") var json = false

    func validate() throws {
        guard batch > 0, batch <= 1 << 16 else { throw ValidationError("--batch must be between 1 and 65536 (got \(batch))") }
        guard reps > 0 else { throw ValidationError("--reps must be positive (got \(reps))") }
        if let s = steps, s < 1 { throw ValidationError("--steps must be positive (got \(s))") }
        try validateThreads(threads)
    }

    func run() throws {
        let t = threads ?? ThreadPool.shared.threadCount
        ThreadPool.configureShared(threads: t)
        let pool = ThreadPool.shared
        if model.hasSuffix(".dcl") { return try runScript(pool: pool) }
        let (fwd, loss): (Graph, ValueID)
        let sampleShape: [Int]
        let warmup: Int, stepsPerRep: Int
        // The attention row times forward + backward only (no labels, no optimiser).
        var forwardBackwardOnly = false
        switch model {
        case "mlp":
            (fwd, loss) = try ReferenceModels.mlp()
            sampleShape = [784]
            warmup = 30
            stepsPerRep = steps ?? max(50, 12800 / batch)
        case "lenet":
            (fwd, loss) = try ReferenceModels.lenet()
            sampleShape = [1, 28, 28]
            warmup = 10
            stepsPerRep = steps ?? 40
        case "attention":
            (fwd, loss) = try ReferenceModels.attentionBlock()
            sampleShape = [64, 128]
            warmup = 5
            stepsPerRep = steps ?? 20
            forwardBackwardOnly = true
        default:
            throw ValidationError("unknown model '\(model)' (mlp, lenet or attention)")
        }
        var graph: Graph
        if forwardBackwardOnly {
            // Forward + backward for the parameters and the input, no optimiser (torch_bench.py
            // attn_fwdbwd); the gradients are outputs so nothing is dead code.
            let b = GraphBuilder(graph: fwd)
            let targets = fwd.parameters.map { fwd.value($0.value) } + [fwd.value(fwd.input(named: "x")!)]
            let grads = try Autodiff.gradients(of: fwd.value(loss), wrt: targets, in: b)
            for (i, t) in targets.enumerated() { try b.output("grad\(i)", grads[t.id]!) }
            graph = try b.finish()
        } else {
            graph = try TrainingGraph.build(fwd, loss: loss, config: TrainingConfig(optimizer: .adam(), schedule: .constant(1e-3)))
        }
        if !noFusion { graph = try Passes.fuse(graph) }
        let store = ParameterStore()
        try store.initialize(graph, seed: 0)
        let exec = try Executor(graph: graph, options: ExecutionOptions(pool: pool))
        var rng = SeededGenerator(seed: 0)
        let per = sampleShape.reduce(1, *)
        let batches = try (0..<16).map { _ -> [String: Tensor] in
            var feed = ["x": try Tensor(shape: [batch] + sampleShape, floats: (0..<(batch * per)).map { _ in Float(rng.nextNormal()) })]
            if !forwardBackwardOnly {
                feed["y"] = try Tensor(shape: [batch], ints: (0..<batch).map { _ in Int32(rng.nextInt(below: 10)) })
            }
            return feed
        }
        var it = 0
        func step() throws {
            try exec.run(inputs: batches[it % 16], store: store)
            it += 1
        }
        for _ in 0..<warmup { try step() }
        var rates: [Double] = []
        for _ in 0..<reps {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<stepsPerRep { try step() }
            rates.append(Double(batch * stepsPerRep) / (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9))
        }
        let med = median(rates)
        let plan = try exec.plan(["N": batch])
        if json {
            print(jsonLine([("bench", "train"), ("model", model), ("batch", batch), ("threads", pool.threadCount),
                            ("samples_per_s", med), ("ms_per_step", 1e3 * Double(batch) / med),
                            ("min_rate", rates.min()!), ("max_rate", rates.max()!), ("steps", stepsPerRep), ("reps", reps),
                            ("arena_bytes", plan.arenaBytes), ("peak_live_bytes", plan.memory.peakLiveBytes),
                            ("maxrss_kib", peakRSSKiB())]))
        } else {
            print(String(format: "%@ batch %d, %d threads: %.0f samples/s (%.3f ms/step), arena %@, peak RSS %d KiB",
                         model, batch, pool.threadCount, med, 1e3 * Double(batch) / med, formatBytes(plan.arenaBytes), peakRSSKiB()))
        }
    }
}

/// The thread counts every command accepts.
public func validateThreads(_ threads: Int?) throws {
    if let t = threads, t < 1 || t > 256 { throw ValidationError("--threads must be between 1 and 256") }
}
