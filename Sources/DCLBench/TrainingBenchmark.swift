// `dcl bench train --model FILE.dcl`: a script's model trained two ways on the same synthetic
// batches — the engine alone (the compiled training graph run in a loop over ready tensors) and
// the interpreter's `train` path (batching from a dataset, gathering rows, reading the loss,
// progress) — so the interpreter's overhead per step is measured, not guessed. The
// interpreter's per-step time is the difference of two runs of different lengths, so the
// one-time compilation of each `train` statement cancels out.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLGraph
import DCLRuntime
import DCLTensor
import Dispatch

public struct TrainingBenchmarkResult {
    public var engineSamplesPerSecond: Double
    public var interpreterSamplesPerSecond: Double
    /// 1 − interpreter rate / engine rate.
    public var overhead: Double { 1 - interpreterSamplesPerSecond / engineSamplesPerSecond }
}

public enum TrainingBenchmark {
    public static func run(_ m: ModelInstance, evaluator: Evaluator, session: Session, batch: Int, steps: Int, reps: Int) throws
        -> TrainingBenchmarkResult {
        // Synthetic data shaped like the model's inputs; integer labels over its outputs.
        var rng = SeededGenerator(seed: 0)
        let n = batch * 16
        var columns: [(name: String, tensor: Tensor)] = []
        for i in m.inputs {
            let per = i.shape.reduce(1, *)
            if i.dtype == .int32 {
                columns.append((i.name, try Tensor(shape: [n] + i.shape, ints: (0..<(n * per)).map { _ in Int32(rng.nextInt(below: 2)) })))
            } else {
                columns.append((i.name, try Tensor(shape: [n] + i.shape, floats: (0..<(n * per)).map { _ in Float(rng.nextNormal()) })))
            }
        }
        let classes = max(2, m.outputShape.reduce(1, *))
        columns.append(("y", try Tensor(shape: [n], ints: (0..<n).map { _ in Int32(rng.nextInt(below: classes)) })))
        let data = try Dataset(columns: columns, classCount: classes, source: "synthetic")
        let span = SourceSpan.none
        var options = TrainOptions()
        options.batch = batch
        options.log = .none
        options.shuffle = false
        options.optimizer = .adam(lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false)

        // The engine alone: the same lowering the trainer uses, run over ready batches.
        let cols = try data.columnNames.map { BatchColumn(name: $0, shape: Array(try data.shape(of: $0).dropFirst()), dtype: try data.dtype(of: $0)) }
        let lowered = try evaluator.elaborator.lowerObjective(.defaultLoss(m, labels: "y"), targets: [m], columns: cols, span: span)
        let graph = try Passes.fuse(try TrainingGraph.build(lowered.graph, loss: lowered.loss,
                                                            config: TrainingConfig(optimizer: .adam(), schedule: .constant(1e-3)),
                                                            parameters: lowered.trainable))
        let exec = try Executor(graph: graph, options: ExecutionOptions(pool: session.pool))
        let bound = try BoundStore(graph: lowered.graph, owners: lowered.owners, table: evaluator.elaborator.models, home: nil, span: span)
        try bound.store.initialize(graph, seed: 0)
        let inputNames = Set(graph.inputs.map(\.name))
        let batches = try data.batches(size: batch).map { b in b.columns.filter { inputNames.contains($0.key) } }
        for i in 0..<10 { try exec.run(inputs: batches[i % batches.count], store: bound.store) }
        var engineRates: [Double] = []
        for _ in 0..<reps {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for i in 0..<steps { try exec.run(inputs: batches[i % batches.count], store: bound.store) }
            engineRates.append(Double(batch * steps) / (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9))
        }

        // The interpreter's `train`: per-step cost from two run lengths.
        let trainer = Trainer(evaluator: evaluator, session: session)
        func timed(_ s: Int) throws -> Double {
            var o = options
            o.steps = s
            o.epochs = (s + 15) / 16 + 1
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try trainer.train(targets: [m], names: [m.name], data: .dataset(DataValue(data, side: nil, origin: "synthetic")),
                                  objective: .defaultLoss(m, labels: "y"), options: o, label: "bench", span: span)
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        _ = try timed(10)
        var interpreterRates: [Double] = []
        for _ in 0..<reps {
            let short = try timed(steps / 4), long = try timed(steps / 4 + steps)
            interpreterRates.append(Double(batch * steps) / max(long - short, 1e-9))
        }
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        return TrainingBenchmarkResult(engineSamplesPerSecond: median(engineRates), interpreterSamplesPerSecond: median(interpreterRates))
    }
}
