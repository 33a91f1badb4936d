// `dcl summary FILE [MODEL] [--batch B]` and `dcl graph FILE MODEL --format text|dot`:
// views of a script's models without training anything. MODEL is any expression naming a model
// (`net`, `base.device`, `control`); without it, summary shows every model the script defines
// at the top level.

import ArgumentParser
import DCLCompiler
import DCLDiagnostics
import DCLGraph
import DCLRuntime
import DCLSema
import DCLSyntax
import Foundation

/// Models found in a script, with the session that made them: a model builds its training
/// graph through its session's interpreter, so whoever uses the models keeps this.
struct FoundModels {
    let session: Evaluator
    /// The effects side of that session (data loading; what `dcl bench train` trains with).
    let runtime: Session
    let models: [(String, ModelInstance)]
}

/// Loads, checks and evaluates a script without effects, then evaluates `expression` in it.
enum ModelLookup {
    static func models(file: String, expression: String?, diagnostics format: DiagnosticsFormat,
                       params: ParamOptions? = nil, command: String = "summary") throws -> FoundModels {
        let script = try ScriptLoading.load(file, command: command, diagnostics: format, params: params, reportWarnings: false)
        let c = script.checked, program = script.program
        // Real data may shape a model (`ctr(users: ml.users)`), so declarations are evaluated
        // for real; training, printing and saving are skipped.
        let session = Session(isTTY: false, output: { _ in })
        let ev = Evaluator(program: program, hooks: SummaryHooks(session), seed: 0)
        ev.paramValues = script.values
        session.attach(ev)
        let env = ev.environment(of: program.main)
        do {
            for (i, item) in program.main.program.items.enumerated() {
                if case .binding = item.kind { try ev.executeTopLevel(item, index: i, in: env) }
            }
            if let e = expression {
                let file = program.sources.add(path: "<model>", text: e)
                let engine = DiagnosticEngine()
                let parsed = Parser.parse(file, diagnostics: engine)
                guard !engine.hasErrors, parsed.items.count == 1, case .expr(let expr) = parsed.items[0].kind else {
                    StandardError.write("dcl: `\(e)` is not an expression naming a model\n")
                    throw ExitCode(ExitStatus.usage)
                }
                if let unknown = ModelExpressionNames.unknownName(in: expr, module: program.main, environment: env) {
                    engine.emit(unknown)
                    format.report(engine, sources: program.sources)
                    throw ExitCode(ExitStatus.scriptErrors)
                }
                var value = try ev.evaluate(expr, in: env)
                if case .constructor(let c) = value, let md = c.model {
                    // A model declaration with parameters, named bare: the model its defaults
                    // build, as the REPL's `:summary lenet` shows it.
                    value = try ev.elaborator.constructDefault(md, in: c.module, span: expr.span)
                }
                guard let m = try ev.asModel(value, span: expr.span) else {
                    StandardError.write("dcl: `\(e)` is not a model: found \(value.kindName)\n")
                    throw ExitCode(ExitStatus.usage)
                }
                return FoundModels(session: ev, runtime: session, models: [(e, m)])
            }
            var out: [(String, ModelInstance)] = []
            for name in env.localNames.sorted() {
                if case .model(let m)? = env.lookup(name) { out.append((name, m)) }
            }
            for (name, d) in program.main.declarations.sorted(by: { $0.key < $1.key }) {
                switch d.kind {
                case .split, .distill:
                    if let m = try ev.asModel(try ev.declarationValue(d, in: program.main, span: d.name.span), span: d.name.span) { out.append((name, m)) }
                    if case .split(let s) = try ev.declarationValue(d, in: program.main, span: d.name.span) {
                        out += [("\(name).cloud", s.cloud), ("\(name).device", s.device)]
                    }
                case .model(let md) where md.params == nil:
                    if case .model(let m) = try ev.declarationValue(d, in: program.main, span: d.name.span) { out.append((name, m)) }
                default: continue
                }
            }
            return FoundModels(session: ev, runtime: session, models: out)
        } catch let e as RuntimeError {
            c.diagnostics.emit(e.diagnostic)
            format.report(c.diagnostics, sources: c.sources)
            throw ExitCode(ExitStatus.runtime)
        }
    }
}

/// Effects for viewing: data loads for real (shapes may depend on it); nothing trains or prints.
final class SummaryHooks: RuntimeHooks {
    let session: Session
    init(_ s: Session) { session = s }
    func emit(_ text: String) {}
    func callBuiltin(_ spec: BuiltinSpec, _ args: BoundArguments, subject: DCLCompiler.Value?, span: SourceSpan, evaluator: Evaluator) throws -> DCLCompiler.Value {
        switch spec.builtin {
        case .dataSource, .transform, .model(.copy), .model(.average), .model(.cost), .model(.summary):
            return try session.callBuiltin(spec, args, subject: subject, span: span, evaluator: evaluator)
        case .model(.evaluate), .model(.assign), .model(.reinit), .model(.history), .output:
            // Training, weights and figures do not change what a model looks like.
            return .unknown
        case .layer, .tensorOp, .loss, .script, .partitioner, .optimizer, .schedule, .pattern:
            // Computed by the evaluator; they never reach the hooks.
            return .unknown
        }
    }
    func callMethod(_ receiver: DCLCompiler.Value, _ method: Method, _ args: BoundArguments, span: SourceSpan, evaluator: Evaluator) throws -> DCLCompiler.Value { .unknown }
    func train(_ request: TrainRequest, evaluator: Evaluator) throws {}
    func distill(_ d: DistillValue, data: DCLCompiler.Value, options: TrainOptions, span: SourceSpan, evaluator: Evaluator) throws {}
    func concatenate(_ a: DCLCompiler.Value, _ b: DCLCompiler.Value, span: SourceSpan) throws -> DCLCompiler.Value { try session.concatenate(a, b, span: span) }
    func save(_ model: DCLCompiler.Value, to path: String, span: SourceSpan) throws {}
    func load(_ model: DCLCompiler.Value, from path: String, span: SourceSpan) throws {}
}

public struct Summary: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Per-layer table of a script's models: output shapes, parameters, FLOPs, activation bytes.",
        discussion: "FLOPs count a multiply-add as 2. Exit status: 0, 1 script errors, 2 usage, 3 run-time error."
    )
    @ArgumentParser.Argument(help: "The script.") var file: String
    @ArgumentParser.Argument(help: "A model expression (`net`, `base.device`); default: every top-level model.") var model: String?
    @Option(help: "Batch size the table is computed at.") var batch: Int = 1
    @Option(help: "Diagnostics format: text or json.") var diagnostics: DiagnosticsFormat = .text
    @OptionGroup var params: ParamOptions
    public init() {}

    public func validate() throws { if batch < 1 { throw ValidationError("--batch must be at least 1") } }

    public func run() throws {
        let found = try ModelLookup.models(file: file, expression: model, diagnostics: diagnostics, params: params)
        let models = found.models
        defer { withExtendedLifetime(found.session) {} }
        if models.isEmpty { print("no models at the top level of \(file); name one: dcl summary \(file) MODEL") }
        for (i, (name, m)) in models.enumerated() {
            if i > 0 { print("") }
            let r = try m.cost(batch: batch)
            print("\(name): \(m.inputDescription) → \(m.outputDescription), batch \(batch)")
            print(r.table)
            print("(FLOPs count a multiply-add as 2)")
        }
    }
}

public struct GraphView: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "A model's inference graph as text or Graphviz DOT (render with `dot -Tsvg`)."
    )
    public enum Format: String, ExpressibleByArgument { case text, dot }
    @ArgumentParser.Argument(help: "The script.") var file: String
    @ArgumentParser.Argument(help: "A model expression (`net`, `base.device`).") var model: String
    @Option(help: "text or dot.") var format: Format = .text
    @Flag(help: "Show the training graph (forward, loss, backward, update) instead.") var training = false
    @Option(help: "Diagnostics format: text or json.") var diagnostics: DiagnosticsFormat = .text
    @OptionGroup var params: ParamOptions
    public init() {}

    public func run() throws {
        let found = try ModelLookup.models(file: file, expression: model, diagnostics: diagnostics, params: params, command: "graph")
        let (name, m) = found.models[0]
        // The training graph is elaborated now, through the session that made the model.
        let g = try withExtendedLifetime(found.session) { try m.forward(training: training) }
        print(format == .dot ? DotWriter.render(g, title: name) : GraphPrinter.print(g), terminator: "")
    }
}
