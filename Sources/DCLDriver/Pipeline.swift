// The stages every command shares: load a script and its imports, check it statically, and
// elaborate its models for shapes (check mode) — or run it.
//
// Exit statuses (documented in README): 0 success, 1 the script has errors (syntax, checking,
// shapes), 2 usage or input/output problems, 3 a run-time error.

import DCLCompiler
import DCLDiagnostics
import DCLExport
import DCLRuntime
import DCLSema
import DCLSyntax
import Foundation

public enum ExitStatus {
    public static let ok: Int32 = 0
    public static let scriptErrors: Int32 = 1
    public static let usage: Int32 = 2
    public static let runtime: Int32 = 3
}

/// A loaded and checked program.
public struct CheckedProgram {
    public let sources: SourceManager
    public let diagnostics: DiagnosticEngine
    public let program: LoadedProgram?
}

public enum Pipeline {
    /// Parses `path` and its imports and runs the static checker. `program` is nil if the
    /// file could not be read.
    public static func load(path: String, text: [UInt8]? = nil, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> CheckedProgram {
        let sources = SourceManager()
        let engine = DiagnosticEngine()
        let loader = ModuleLoader(sources: sources, diagnostics: engine, parse: { Parser.parse($0, diagnostics: $1) },
                                  environment: environment)
        let main = text.map { loader.loadMain(path: path, bytes: $0) } ?? loader.loadMain(path: path)
        guard let m = main else { return CheckedProgram(sources: sources, diagnostics: engine, program: nil) }
        if !engine.hasErrors {
            Checker(modules: loader.ordered, diagnostics: engine).check()
        }
        return CheckedProgram(sources: sources, diagnostics: engine,
                              program: LoadedProgram(sources: sources, modules: loader.ordered, main: m))
    }

    /// Check mode: evaluates the program without effects so every model it builds is
    /// elaborated (shapes through every layer), plus every model declared with defaults for
    /// all its parameters; then plans every bundle and measures it against its role's budget.
    /// Errors become diagnostics; analysis goes on after each.
    public static func checkShapes(_ p: LoadedProgram, diagnostics: DiagnosticEngine, seed: UInt64 = 0,
                                   params: [String: ScriptParamValue] = [:], prepare: ((Evaluator) -> Void)? = nil,
                                   finish: ((Evaluator) -> Void)? = nil,
                                   bundleBudgets: ((BundleValue, BundleManifest.Budget) -> Void)? = nil) {
        let hooks = CheckModeHooks()
        let ev = Evaluator(program: p, hooks: hooks, seed: seed, checkMode: true)
        ev.paramValues = params
        // The language server observes the elaboration (`prepare`) and reads the evaluated
        // program when it is done (`finish`).
        prepare?(ev)
        defer { finish?(ev) }
        var reported = Set<SourceSpan>()
        func report(_ e: RuntimeError) {
            guard reported.insert(e.span).inserted else { return }
            diagnostics.emit(e.diagnostic)
        }
        for m in p.modules {
            let env = ev.environment(of: m)
            for (i, item) in m.program.items.enumerated() {
                do {
                    try ev.executeTopLevel(item, index: i, in: env)
                } catch let e as RuntimeError {
                    // A value that failed is unknown from here on, so it causes no follow-on errors.
                    if case .binding(let name, _, _, let mutable) = item.kind { env.define(name.name, .unknown, mutable: mutable) }
                    if e.code != RuntimeCode.name { report(e) }
                } catch {}
            }
            // The declarations with work left, in name order (picked before sorting: sorting
            // every declaration, copies and all, showed in the parse benchmark's profile).
            var pending: [(name: String, decl: Decl)] = []
            for (name, d) in m.declarations {
                switch d.kind {
                case .model(let md) where (md.params ?? []).allSatisfy({ $0.defaultValue != nil }): pending.append((name, d))
                case .data, .function, .block, .model: continue
                default: pending.append((name, d))
                }
            }
            pending.sort { $0.name < $1.name }
            for (_, d) in pending {
                do {
                    if case .model(let md) = d.kind {
                        _ = try ev.declarationValue(d, in: m, span: d.name.span)
                        // A model the program already built has had its body elaborated.
                        if md.params != nil, !ev.elaborator.hasInstances(of: md.name.name) {
                            _ = try ev.elaborator.constructDefault(md, in: m, span: d.name.span)
                        }
                    } else {
                        _ = try ev.declarationValue(d, in: m, span: d.name.span)
                    }
                } catch let e as RuntimeError {
                    if e.code != RuntimeCode.name { report(e) }
                } catch {}
            }
        }
        // The bundles, as `dcl compile` would plan and measure them (BundleCheck.swift).
        for d in BundleCheck.diagnostics(ev, measured: bundleBudgets) where reported.insert(d.span).inserted { diagnostics.emit(d) }
    }

    /// Renders diagnostics to standard error (text or JSON).
    public static func report(_ engine: DiagnosticEngine, sources: SourceManager, format: DiagnosticsFormat) {
        format.report(engine, sources: sources)
    }
}

/// Hooks for check mode: no data is read, nothing trains, nothing is written.
final class CheckModeHooks: RuntimeHooks {
    func emit(_ text: String) {}
    func callBuiltin(_ spec: BuiltinSpec, _ args: BoundArguments, subject: Value?, span: SourceSpan, evaluator: Evaluator) throws -> Value { .unknown }
    func callMethod(_ receiver: Value, _ method: Method, _ args: BoundArguments, span: SourceSpan, evaluator: Evaluator) throws -> Value { .unknown }
    func train(_ request: TrainRequest, evaluator: Evaluator) throws {}
    func distill(_ distillation: DistillValue, data: Value, options: TrainOptions, span: SourceSpan, evaluator: Evaluator) throws {}
    func concatenate(_ a: Value, _ b: Value, span: SourceSpan) throws -> Value { .unknown }
    func save(_ model: Value, to path: String, span: SourceSpan) throws {}
    func load(_ model: Value, from path: String, span: SourceSpan) throws {}
}
