// Everything the evaluator cannot do by itself — reading data, training, evaluating, moving
// weights — goes through these hooks. DCLRuntime implements them for real runs; check mode
// (`dcl check`, the REPL's `:type`) implements them with placeholders, so the same evaluator
// elaborates every model for shape checking without touching data.

import DCLDiagnostics
import DCLSema
import DCLSyntax

public protocol RuntimeHooks: AnyObject {
    /// Output of `print`.
    func emit(_ text: String)

    /// Built-ins with effects or run-time state: data sources and transforms, `evaluate`,
    /// `predict`, `copy`, `average`, `assign`, `summary`, `reinit`, `clock`.
    func callBuiltin(_ spec: BuiltinSpec, _ args: BoundArguments, subject: Value?, span: SourceSpan,
                     evaluator: Evaluator) throws -> Value

    /// Methods of run-time values (`coda.augment(d, pool: …)`).
    func callMethod(_ receiver: Value, _ method: Method, _ args: BoundArguments, span: SourceSpan,
                    evaluator: Evaluator) throws -> Value

    func train(_ request: TrainRequest, evaluator: Evaluator) throws

    func distill(_ distillation: DistillValue, data: Value, options: TrainOptions, span: SourceSpan,
                 evaluator: Evaluator) throws

    /// `a ++ b` of datasets (placement-checked: the result lives where the device data lives).
    func concatenate(_ a: Value, _ b: Value, span: SourceSpan) throws -> Value

    func save(_ model: Value, to path: String, span: SourceSpan) throws
    func load(_ model: Value, from path: String, span: SourceSpan) throws
}

/// What `train`'s `log` option chooses: a progress line per epoch, or silence. Written bare or
/// quoted in a script (`log: none`, `log: "none"`).
public enum TrainLog: String, CaseIterable {
    case epoch
    case none
}

/// Options of `train` and `distill … on`, with defaults.
public struct TrainOptions {
    public var epochs = 1
    public var batch = 64
    public var optimizer: OptimizerSpec = .adam(lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false)
    public var schedule: ScheduleSpec = .constant
    public var clip: Double?
    public var shuffle = true
    public var seed: Int?
    public var log = TrainLog.epoch
    /// Stop after this many optimiser steps (nil: run every epoch).
    public var steps: Int?
    /// `validate:` and the options that go with it (`every`, `early_stop`, `keep`).
    public var validation: ValidationOptions?
    public var span: SourceSpan = .none
    public init() {}
}

/// A `train` statement, evaluated: what to update, on what, against which objective.
public struct TrainRequest {
    public var targets: [Value]
    public var targetTexts: [String]
    public var data: Value
    /// The `minimizing` objective, if written (lowered by the compiler against each batch).
    public var objective: WrittenObjective?
    public var options: TrainOptions
    public var span: SourceSpan
    public init(targets: [Value], targetTexts: [String], data: Value, objective: WrittenObjective?,
                options: TrainOptions, span: SourceSpan) {
        self.targets = targets
        self.targetTexts = targetTexts
        self.data = data
        self.objective = objective
        self.options = options
        self.span = span
    }
}

/// A `minimizing EXPR` as written, with the environment its free names resolve in. Opaque to
/// the runtime, which only hands it back to `Elaborator.lowerObjective`: the runtime works with
/// values and never sees the syntax tree.
public struct WrittenObjective {
    let expression: Expr
    let environment: Environment
}
