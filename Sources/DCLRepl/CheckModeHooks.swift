// Hooks for elaborating without effects: no data is read, nothing trains, nothing is written.
// The REPL uses them to check a new model declaration's shapes before its first use, and to
// build the models `:summary lenet(10)` and friends describe without drawing weights.

import DCLCompiler
import DCLDiagnostics
import DCLSema

final class CheckModeHooks: RuntimeHooks {
    func emit(_ text: String) {}
    func callBuiltin(_ spec: BuiltinSpec, _ args: BoundArguments, subject: Value?, span: SourceSpan, evaluator: Evaluator) throws -> Value {
        .unknown
    }
    func callMethod(_ receiver: Value, _ name: String, _ args: BoundArguments, span: SourceSpan, evaluator: Evaluator) throws -> Value {
        .unknown
    }
    func train(_ request: TrainRequest, evaluator: Evaluator) throws {}
    func distill(_ distillation: DistillValue, data: Value, options: TrainOptions, span: SourceSpan, evaluator: Evaluator) throws {}
    func concatenate(_ a: Value, _ b: Value, span: SourceSpan) throws -> Value { .unknown }
    func save(_ model: Value, to path: String, span: SourceSpan) throws {}
    func load(_ model: Value, from path: String, span: SourceSpan) throws {}
}
