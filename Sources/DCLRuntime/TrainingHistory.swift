// What a `train`/`distill` did epoch by epoch, kept on the models it updated and returned by
// `history(net)`: training loss, learning rate, throughput and time per epoch, and the
// validation metrics when `validate:` was given — as columns (for `plot`) and as rows (for
// `table`).

import DCLCompiler

struct TrainingHistory {
    struct Epoch {
        var epoch: Int
        var loss: Double
        var learningRate: Double
        var samplesPerSecond: Double
        var seconds: Double
        /// The validation after this epoch, if one ran.
        var validation: [(String, Double)]?
    }

    var epochs: [Epoch] = []
    var bestEpoch: Int?
    var stoppedEarly = false

    /// The validation metric names in the order the first validation reported them.
    private var validationNames: [String] {
        epochs.lazy.compactMap(\.validation).first?.map(\.0).filter { $0 != "count" } ?? []
    }

    /// `{ epoch, loss, lr, samples_per_s, seconds, val_epoch, val_<metric>…, best_epoch,
    /// stopped_early, rows }`.
    var value: Value {
        var r = Record()
        r["epoch"] = .list(epochs.map { .int($0.epoch) })
        r["loss"] = .list(epochs.map { .float($0.loss) })
        r["lr"] = .list(epochs.map { .float($0.learningRate) })
        r["samples_per_s"] = .list(epochs.map { .float($0.samplesPerSecond) })
        r["seconds"] = .list(epochs.map { .float($0.seconds) })
        let validated = epochs.filter { $0.validation != nil }
        let names = validationNames
        if !validated.isEmpty {
            r["val_epoch"] = .list(validated.map { .int($0.epoch) })
            for name in names {
                r["val_" + name] = .list(validated.map { e in
                    e.validation!.first { $0.0 == name }.map { Value.float($0.1) } ?? Value.none
                })
            }
        }
        r["best_epoch"] = bestEpoch.map { Value.int($0) } ?? Value.none
        r["stopped_early"] = .bool(stoppedEarly)
        r["rows"] = .list(epochs.map { e in
            var row = Record([("epoch", .int(e.epoch)), ("loss", .float(e.loss)), ("lr", .float(e.learningRate)),
                              ("samples_per_s", .float(e.samplesPerSecond))])
            for name in names {
                row["val_" + name] = e.validation?.first { $0.0 == name }.map { .float($0.1) } ?? Value.none
            }
            return .record(row)
        })
        return .record(r)
    }
}
