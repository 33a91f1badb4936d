// The interpreter: runs statements top to bottom, evaluates expressions and calls functions.
// Models, layers and objectives become graphs in its collaborator, the `Elaborator`
// (Sources/DCLCompiler/Elaborate), which runs model bodies back through this interpreter with
// symbolic tensors. Effects go through `RuntimeHooks`.

import DCLData
import DCLDiagnostics
import DCLSema
import DCLSyntax
import DCLTensor
import Foundation

/// A parsed and loaded program: its modules in load order (imports first) and the main one.
public struct LoadedProgram {
    public let sources: SourceManager
    public let modules: [DCLModule]
    public let main: DCLModule
    public init(sources: SourceManager, modules: [DCLModule], main: DCLModule) {
        self.sources = sources
        self.modules = modules
        self.main = main
    }
}

extension Stmt {
    /// Whether running this top-level item does anything now (declarations wait for first use).
    var isRunnable: Bool {
        switch kind {
        case .importDecl, .decl: return false
        default: return true
        }
    }
}

/// A declaration of a module, as the evaluator remembers its value.
struct DeclarationKey: Hashable {
    let module: String
    let name: String
}

/// How a statement ended.
enum Flow {
    case normal
    case breakLoop
    case continueLoop
    case returned(Value)
}

public final class Evaluator {
    public let program: LoadedProgram
    public let hooks: RuntimeHooks
    /// The run's seed (`dcl run --seed`): every random choice derives from it.
    public let seed: UInt64
    /// Check mode: elaborate models for shapes, run no effects.
    public let checkMode: Bool
    /// Polled between statements and loop iterations; returns true to stop (Ctrl-C in the REPL).
    public var shouldInterrupt: () -> Bool = { false }
    /// Times statements, declarations and functions (`dcl run --profile`); nil costs one check
    /// per top-level item, declaration and call.
    public var profiler: ScriptProfiler?
    /// `--set NAME=VALUE` values of the main module's params (read by the driver, which has
    /// already checked each name and type against the script).
    public var paramValues: [String: ScriptParamValue] = [:]
    /// Builds models, layers and objectives into graphs; owns the session's model table.
    public let elaborator: Elaborator

    var moduleEnvironments: [ObjectIdentifier: Environment] = [:]
    /// Declaration values evaluated so far, by module name and declaration name (a pair, not
    /// the string `module.name`, which was built on every lookup of a declaration).
    var declarationValues: [DeclarationKey: Value] = [:]
    var declarationsInProgress: [DeclarationKey] = []
    /// Check mode: the built-ins names resolve to, per module (BuiltinResolution.swift).
    var nameMemos: [ModuleNameMemo] = []
    var callDepth = 0
    let maxCallDepth = 256
    /// Loop iterations and calls evaluated so far in check mode (bounded by
    /// `ResourceLimits.maxCheckSteps`, so `dcl check` terminates on every input).
    var checkSteps = 0
    /// The bound on `checkSteps`: `ResourceLimits.maxCheckSteps` unless set (tests set a small one).
    public var checkStepLimit = ResourceLimits.current.maxCheckSteps
    /// During a role's fields: the role's device count (`partition` defaults its clients to it).
    var currentRoleCount: Int?
    /// Told of every table built and every line printed (`dcl run --out`, `--seeds`); nil
    /// costs one check per `table` and `print`.
    public var runObserver: RunObserver?
    var randomCounters: [String: Int] = [:]
    /// When the evaluator was created (`clock()` counts from here).
    let startTime = Date()

    /// `models`: the session's table (a new one unless the evaluator joins a session whose
    /// models it may combine, as the REPL's check-mode evaluators do).
    public init(program: LoadedProgram, hooks: RuntimeHooks, seed: UInt64, checkMode: Bool = false, models: ModelTable = ModelTable()) {
        self.program = program
        self.elaborator = Elaborator(models: models, seed: seed, checkMode: checkMode)
        self.hooks = hooks
        self.seed = seed
        self.checkMode = checkMode
        elaborator.interpreterRef = self
    }

    /// Runs every module in load order; the main module last.
    public func run() throws {
        for m in program.modules { try runModule(m) }
    }

    /// Runs one module's top-level statements (declarations are evaluated on first use).
    public func runModule(_ m: DCLModule) throws {
        let env = environment(of: m)
        for (index, item) in m.program.items.enumerated() {
            if let p = profiler, item.isRunnable {
                try p.measure(item.span, .statement) { try executeTopLevel(item, index: index, in: env) }
            } else {
                try executeTopLevel(item, index: index, in: env)
            }
        }
    }

    /// Runs one top-level item (the REPL feeds items one at a time).
    public func executeTopLevel(_ item: Stmt, index: Int, in env: Environment) throws {
        if shouldInterrupt() { throw Interrupted() }
        switch item.kind {
        case .importDecl, .decl:
            return
        default:
            switch try execute(item, in: env) {
            case .normal: return
            case .breakLoop, .continueLoop:
                throw RuntimeError(RuntimeCode.type, "`break` or `continue` outside a loop", at: item.span)
            case .returned:
                throw RuntimeError(RuntimeCode.type, "`return` outside a function", at: item.span)
            }
        }
    }

    public func environment(of m: DCLModule) -> Environment {
        if let e = moduleEnvironments[ObjectIdentifier(m)] { return e }
        let e = Environment(parent: nil, module: m)
        moduleEnvironments[ObjectIdentifier(m)] = e
        return e
    }

    // MARK: - Names

    /// The value of a name: local bindings, then the module's declarations, then imports,
    /// then built-ins.
    public func lookup(_ name: String, in env: Environment, span: SourceSpan, node: NodeID? = nil) throws -> Value {
        if let v = env.lookup(name) { return v }
        let m = env.module
        if let spec = builtinNamed(name, in: m, as: .value, node: node) { return builtinValue(spec, span: span) }
        if let d = m.declarations[name] { return try declarationValue(d, in: m, span: span) }
        if m.topLevelBindings[name] != nil {
            throw RuntimeError(RuntimeCode.name, "`\(name)` has no value yet: its `let` has not run", at: span)
        }
        for imp in m.imports {
            guard let target = imp.module else { continue }
            if let alias = imp.declaration.alias {
                if alias.name == name { return .module(target) }
                continue
            }
            if name.hasPrefix("_") { continue }
            if let v = try exported(name, of: target, span: span) { return v }
        }
        if let spec = Builtins.spec(name) { return builtinValue(spec, span: span) }
        throw RuntimeError(RuntimeCode.name, "unknown name `\(name)`", at: span)
    }

    func exported(_ name: String, of m: DCLModule, span: SourceSpan) throws -> Value? {
        if let d = m.declarations[name] { return try declarationValue(d, in: m, span: span) }
        if m.topLevelBindings[name] != nil { return environment(of: m).lookup(name) }
        return nil
    }

    /// A built-in named as a value: a bare layer (`relu`) is a layer; others are functions.
    func builtinValue(_ spec: BuiltinSpec, span: SourceSpan) -> Value {
        if let call = bareLayerCall(spec, span: span) { return .layer(LayerValue(.builtin(call), span: span)) }
        if spec.params.isEmpty, spec.kind == .partitioner || spec.kind == .schedule {
            return (try? callBuiltin(spec, [], subject: nil, span: span)) ?? .function(.builtin(spec))
        }
        return .function(.builtin(spec))
    }

    /// A bare layer's call with every hyperparameter at its default (`relu`, `flatten`), or nil if
    /// `spec` is not a layer usable bare.
    func bareLayerCall(_ spec: BuiltinSpec, span: SourceSpan) -> BuiltinLayerCall? {
        guard case .layer(let layer) = spec.builtin, spec.isBareLayer, case .layerOrApplied = spec.returns else { return nil }
        let args = (try? bindArguments(spec.params, [], callee: spec.name, span: span)) ?? BoundArguments()
        return BuiltinLayerCall(layer, spec: spec, arguments: args)
    }

    /// The source text of an expression, for messages and default names.
    public func text(of e: Expr) -> String {
        program.sources.file(e.span.file)?.text(of: e.span) ?? "value"
    }

    public func text(of span: SourceSpan) -> String {
        program.sources.file(span.file)?.text(of: span) ?? ""
    }

    /// A fresh generator for a named consumer, derived from the run's seed.
    public func generator(_ label: String) -> SeededGenerator {
        SeededGenerator(seed: seed).fork(label)
    }

    /// The next label of a kind of random consumer (`shuffle#3`): counted in execution order,
    /// so the streams depend on what the script does, not on where its text sits — formatting
    /// a script never changes its numbers.
    public func nextRandomLabel(_ kind: String) -> String {
        randomCounters[kind, default: 0] += 1
        return "\(kind)#\(randomCounters[kind]!)"
    }
}
