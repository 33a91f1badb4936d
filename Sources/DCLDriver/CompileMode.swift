// Compile mode: evaluate what a script's `bundle` declarations need, without training.
//
// The script's top-level statements run in order — `let`s bind models, data is loaded when
// evaluated (a model's shape may depend on it: `ctr(users: ml.users, …)`), `load` statements
// read weights — except that `train`, `distill … on`, `print` and `save` are skipped at the top
// level and do nothing when reached inside functions or loops. Built-ins that need trained
// models or training (`evaluate`, `predict`, `summary`, retrieval and plug-in methods) give an
// unknown value, which propagates: an `assert` or `if` on it is skipped. Models are constructed
// with their seeded initial weights (`--seed`), so `dcl compile` without `--weights` ships
// exactly what `dcl run --seed S` would start training from.

import DCLCompiler
import DCLDiagnostics
import DCLRuntime
import DCLSema
import DCLSyntax

/// The runtime hooks of compile mode: a real session for data and weight plumbing, no effects.
final class CompileHooks: RuntimeHooks {
    let session: Session

    init(session: Session) { self.session = session }

    func emit(_ text: String) {}

    func callBuiltin(_ spec: BuiltinSpec, _ args: BoundArguments, subject: Value?, span: SourceSpan, evaluator: Evaluator) throws -> Value {
        switch spec.builtin {
        case .dataSource, .transform, .model(.copy), .model(.average), .model(.assign), .model(.reinit):
            // Data, and structure and weight plumbing: cheap, and later declarations may depend on it.
            return try session.callBuiltin(spec, args, subject: subject, span: span, evaluator: evaluator)
        case .model(.evaluate), .model(.summary), .model(.cost), .model(.history), .output:
            // Measuring and reporting: a bundle does not depend on it.
            return .unknown
        case .layer, .tensorOp, .loss, .script, .partitioner, .optimizer, .schedule, .pattern:
            // Computed by the evaluator; they never reach the hooks.
            return .unknown
        }
    }

    func callMethod(_ receiver: Value, _ method: Method, _ args: BoundArguments, span: SourceSpan, evaluator: Evaluator) throws -> Value {
        .unknown
    }

    func train(_ request: TrainRequest, evaluator: Evaluator) throws {}
    func distill(_ distillation: DistillValue, data: Value, options: TrainOptions, span: SourceSpan, evaluator: Evaluator) throws {}

    func concatenate(_ a: Value, _ b: Value, span: SourceSpan) throws -> Value {
        try session.concatenate(a, b, span: span)
    }

    func save(_ model: Value, to path: String, span: SourceSpan) throws {}

    func load(_ model: Value, from path: String, span: SourceSpan) throws {
        try session.load(model, from: path, span: span)
    }
}

enum CompileMode {
    /// An evaluator in compile mode for `program`.
    static func evaluator(for program: LoadedProgram, seed: UInt64, params: [String: ScriptParamValue] = [:]) -> Evaluator {
        let session = Session(output: { _ in })
        let ev = Evaluator(program: program, hooks: CompileHooks(session: session), seed: seed)
        ev.paramValues = params
        session.attach(ev)
        return ev
    }

    /// Runs every module's top-level statements that compile mode keeps.
    static func run(_ ev: Evaluator) throws {
        for m in ev.program.modules {
            let env = ev.environment(of: m)
            for (i, item) in m.program.items.enumerated() where !skipped(item) {
                try ev.executeTopLevel(item, index: i, in: env)
            }
        }
    }

    /// Statements compile mode does not run at the top level.
    static func skipped(_ item: Stmt) -> Bool {
        switch item.kind {
        case .printStmt, .train, .distillRun, .save: return true
        default: return false
        }
    }

    /// The main module's `bundle` declarations in source order.
    static func bundleDeclarations(_ program: LoadedProgram) -> [Decl] {
        program.main.program.items.compactMap { item -> Decl? in
            if case .decl(let d) = item.kind, case .bundle = d.kind { return d }
            return nil
        }
    }

    /// The value of each bundle declaration named in `only` (all when empty), evaluated on
    /// first use — so after a run they see the trained models.
    static func bundles(_ ev: Evaluator, only: [String] = []) throws -> [BundleValue] {
        try bundleDeclarations(ev.program).filter { only.isEmpty || only.contains($0.name.name) }.map { d in
            let v = try ev.declarationValue(d, in: ev.program.main, span: d.name.span)
            guard case .bundle(let b) = v else {
                throw RuntimeError(RuntimeCode.type, "bundle `\(d.name.name)` has no value (its role or models could not be evaluated)", at: d.name.span)
            }
            return b
        }
    }
}
