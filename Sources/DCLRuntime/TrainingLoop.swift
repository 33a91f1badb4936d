// One epoch of `train`: the batches of the data in the epoch's order, each run through the
// compiled training graph, with the loss kept per epoch. The process that runs a script and a
// device host running a train task for it (Deploy/DeviceWorker.swift) both step through this
// one loop, so a deployed run takes exactly the steps an in-process run takes.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLGraph
import DCLTensor
import Foundation

/// The batches one epoch reads.
enum EpochBatches {
    case dataset(Dataset)
    case clients(FederatedDataset, ClientPart)
}

/// What one epoch did.
struct EpochStats {
    var lossSum = 0.0
    var batches = 0
    var samples = 0
    var seconds = 0.0
    /// Optimiser steps taken by the end of the epoch, counted from the start of the training.
    var stepsAfter = 0
    var meanLoss: Double { batches > 0 ? lossSum / Double(batches) : .nan }
}

struct TrainingLoop {
    let executor: Executor
    let store: ParameterStore
    let batchSize: Int
    let shuffle: Bool
    let baseSeed: UInt64
    /// Steps after which training stops (the epochs' batches, or `steps:`).
    let totalSteps: Int
    let span: SourceSpan
    /// Canonical graphs name their parameters `p0, p1, …`: errors get the models' names back.
    var restore: (GraphError) -> GraphError = { $0 }
    var interrupted: () -> Bool = { false }
    /// Called after every step with the epoch so far (the live progress line).
    var afterStep: ((_ epoch: Int, EpochStats, TrainingResult, _ epochStart: Date) -> Void)?

    /// Runs epoch `epoch` (0-based), adding its steps to `result`.
    func runEpoch(_ epoch: Int, over data: EpochBatches, result: inout TrainingResult) throws -> EpochStats {
        let epochStart = Date()
        let inputNames = Set(executor.graph.inputs.map(\.name))
        var stats = EpochStats()
        func step(_ batch: Batch) throws {
            if interrupted() { throw Interrupted() }
            var inputs: [String: Tensor] = [:]
            for (k, v) in batch.columns where inputNames.contains(k) { inputs[k] = v }
            let out: [String: Tensor]
            do { out = try executor.run(inputs: inputs, store: store) } catch let raw as GraphError {
                let e = restore(raw)
                // Sizes are checked per sample when the model is built; here the batch is
                // known, and a node's buffer may be over the cap only because of it.
                let tooLarge = e.message.contains("DCL_MAX_TENSOR_BYTES") || e.message.contains("machine's memory")
                throw RuntimeError(RuntimeCode.shape, e.shapeMessage, at: span,
                                   hint: tooLarge ? "use a smaller `batch` (this one is \(batchSize))" : nil)
            }
            let loss = Double(out["loss"]!.floats[0])
            guard loss.isFinite else {
                throw RuntimeError(RuntimeCode.value, "the loss became \(loss) at step \(result.steps + 1) (epoch \(epoch + 1))", at: span,
                                   hint: "lower the learning rate, or clip gradients with `clip: 5`")
            }
            stats.lossSum += loss
            stats.batches += 1
            stats.samples += batch.count
            result.steps += 1
            result.samples += batch.count
            result.lastLoss = loss
            afterStep?(epoch, stats, result, epochStart)
        }
        do {
            switch data {
            case .dataset(let d):
                for batch in try d.batches(size: batchSize, shuffleSeed: shuffle ? baseSeed : nil, epoch: epoch, augmentSeed: baseSeed) {
                    try step(batch)
                    if result.steps >= totalSteps { break }
                }
            case .clients(let federated, let part):
                for cb in try federated.clientBatches(part, size: batchSize, seed: baseSeed, epoch: epoch, augment: true) {
                    try step(cb.batch)
                    if result.steps >= totalSteps { break }
                }
            }
        } catch let e as DataError {
            throw RuntimeError(RuntimeCode.data, e.description, at: span)
        }
        stats.seconds = Date().timeIntervalSince(epochStart)
        stats.stepsAfter = result.steps
        return stats
    }
}
