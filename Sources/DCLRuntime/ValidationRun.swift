// Validation during `train` (`validate:`, `every:`, `early_stop:`, `keep:`): evaluates the
// first model being trained on held-out data as `evaluate` would, tracks the best value of the
// monitored metric, decides when training stops early, and keeps a copy of the weights of
// the best validation for `keep: best`.

import DCLCompiler
import DCLDiagnostics
import DCLSema
import DCLTensor

struct ValidationRun {
    let options: ValidationOptions
    let model: ModelInstance
    let session: Session
    let span: SourceSpan

    /// The metric "best" and early stopping follow (early_stop's, else the validation loss),
    /// known after the first validation.
    private(set) var monitored: String?
    private(set) var best: Double?
    private(set) var bestEpoch: Int?
    /// Validations since the last improvement.
    private(set) var sinceImprovement = 0
    /// The trained tensors at the best validation (`keep: best`), copy-on-write shares.
    private(set) var bestWeights: [String: Tensor]?

    init(_ options: ValidationOptions, model: ModelInstance, session: Session, span: SourceSpan) {
        self.options = options
        self.model = model
        self.session = session
        self.span = span
    }

    /// Whether a validation runs after `epoch` (1-based): every `every` epochs, and after the
    /// last epoch training runs.
    func isDue(epoch: Int, last: Bool) -> Bool { last || epoch % options.every == 0 }

    /// Evaluates the model as it is now; `weights` reads the trained tensors when this
    /// validation is the best so far and `keep: best` needs them.
    mutating func validate(epoch: Int, weights: () -> [String: Tensor]) throws -> [(String, Double)] {
        let metrics = try Evaluation(session: session).evaluate(model, on: options.data, k: 10, batch: 256, span: span)
        let available = metrics.values.map(\.0).filter { $0 != "count" }
        if monitored == nil {
            if let wanted = options.earlyStop?.metric {
                guard available.contains(wanted) else {
                    throw RuntimeError(RuntimeCode.value, "`early_stop` follows `\(wanted)`, which validating `\(model.name)` does not report; it reports \(available.map { "`\($0)`" }.joined(separator: ", "))",
                                       at: span)
                }
                monitored = wanted
            } else {
                guard let loss = ValidationMetric.loss(among: available) else {
                    throw RuntimeError(RuntimeCode.value, "validating `\(model.name)` reports no loss to keep the best weights by; name a metric with `early_stop: { metric: … }`",
                                       at: span)
                }
                monitored = loss
            }
        }
        let name = monitored!
        guard let value = metrics[name], value.isFinite else {
            throw RuntimeError(RuntimeCode.value, "validation after epoch \(epoch) gave no finite `\(name)` (\(metrics[name].map { "\($0)" } ?? "not reported"))",
                               at: span, hint: name == "auc" ? "AUC needs both classes among the validation labels" : nil)
        }
        let delta = options.earlyStop?.minDelta ?? 0
        let improved: Bool
        if let b = best {
            improved = ValidationMetric.lowerIsBetter.contains(name) ? value < b - delta : value > b + delta
        } else {
            improved = true
        }
        if improved {
            best = value
            bestEpoch = epoch
            sinceImprovement = 0
            if options.keepBest { bestWeights = weights() }
        } else {
            sinceImprovement += 1
        }
        return metrics.values
    }

    /// Whether early stopping ends training now.
    var shouldStop: Bool {
        guard let stop = options.earlyStop else { return false }
        return sinceImprovement >= stop.patience
    }
}
