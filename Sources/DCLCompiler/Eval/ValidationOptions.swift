// `train`'s validation options: `validate: DATA` evaluates the model being trained on DATA after
// every `every` epochs; `early_stop: { metric: accuracy, patience: 3 }` ends training when the
// metric has not improved for `patience` validations; `keep: best` leaves the model with the
// weights of its best validation instead of its last.

import DCLSema

/// How a training run is validated (nil in `TrainOptions` when there is no `validate:`).
public struct ValidationOptions {
    /// The data evaluated: a dataset, a client (its test part) or clients (each client's test
    /// part, metrics averaged as `evaluate` averages them).
    public var data: Value
    /// Validate after every this many epochs (and after the last epoch run).
    public var every = 1
    public var earlyStop: EarlyStop?
    /// Restore the weights of the best validation when training ends.
    public var keepBest = false

    public init(data: Value) { self.data = data }
}

/// `early_stop: { metric: …, patience: …, min_delta: … }`.
public struct EarlyStop {
    /// nil: the validation loss.
    public var metric: String?
    /// Validations without improvement before training stops.
    public var patience = 3
    /// An improvement must exceed this much to count.
    public var minDelta = 0.0

    public init() {}
}

/// `keep:`'s choices.
public enum KeepWeights: String, CaseIterable {
    case best
    case last
}
