// `dcl compile FILE -o DIR [--weights CHECKPOINT]… [--bundle NAME]… [--seed S]` — one
// `DIR/NAME.dclb` per `bundle` declaration of the script (or those named), without training: the script runs in compile mode
// (CompileMode.swift), every bundle is built and checked in memory (placement, ONNX lowering,
// the role's budget), and only then are the files written, each atomically.
//
// Weights: the models' seeded initial weights, or — with `--weights` — checkpoints keyed
// `MODEL/PARAM`, as `save BUNDLE to "….safetensors"` writes them in a run (several files may be
// given; every shipped model must be covered). `dcl run --bundles DIR` is the one-step
// alternative: it compiles the bundles at the end of a run, with the trained weights.

import ArgumentParser
import DCLCompiler
import DCLDiagnostics
import DCLExport
import DCLRuntime
import DCLSema
import Foundation

public struct Compile: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Write a script's bundles (.dclb) without training.",
        discussion: """
        Exit status: 0 success; 1 the script has errors or a bundle breaks a rule (placement, budget, \
        an op ONNX cannot express); 2 a file could not be read or written (script, --weights, output); \
        3 a run-time error while evaluating the script (e.g. its data cannot be loaded).
        """
    )

    @Option(name: [.short, .customLong("output")], help: "Directory for the bundles (created if missing).")
    var output: String

    @Option(name: .customLong("weights"), help: "A checkpoint keyed MODEL/PARAM (from `save BUNDLE to …`); repeatable.")
    var weights: [String] = []

    @Option(name: .customLong("bundle"), help: "Compile only this bundle; repeatable (default: every bundle).")
    var only: [String] = []

    @Option(help: "Seed of the models' initial weights (as `dcl run --seed`).")
    var seed: UInt64 = 0

    @Option(help: "How to print diagnostics on standard error: text or json (one object per line).")
    var diagnostics: DiagnosticsFormat = .text

    @OptionGroup var params: ParamOptions

    @ArgumentParser.Argument(help: "The script whose bundles to compile.")
    var file: String

    public init() {}

    public func run() throws {
        // Warnings are reported with the bundle checks' diagnostics, at the end.
        let script = try ScriptLoading.load(file, command: "compile", diagnostics: diagnostics, params: params, reportWarnings: false)
        let c = script.checked, program = script.program, values = script.values
        let status = BundleCompilation.compile(program: program, engine: c.diagnostics, weights: weights, seed: seed, into: output,
                                               only: only, runScript: true, params: values, print: { print($0) })
        if !c.diagnostics.diagnostics.isEmpty { diagnostics.report(c.diagnostics, sources: c.sources) }
        if status != ExitStatus.ok { throw ExitCode(status) }
    }
}

/// The shared path of `dcl compile` and `dcl run --bundles`.
enum BundleCompilation {
    /// Compiles the bundles of `program` into `directory`; diagnostics go to `engine`.
    /// `runScript`: evaluate the script in compile mode first (false when a run's evaluator,
    /// which already ran it, is given). Returns the exit status.
    static func compile(program: LoadedProgram, engine: DiagnosticEngine, weights: [String], seed: UInt64, into directory: String,
                        only: [String] = [], runScript: Bool, evaluator given: Evaluator? = nil,
                        params: [String: ScriptParamValue] = [:], print: (String) -> Void) -> Int32 {
        do {
            let declared = CompileMode.bundleDeclarations(program).map(\.name.name)
            if let unknown = only.first(where: { !declared.contains($0) }) {
                throw CompileFailure.io("--bundle \(unknown): the script declares no such bundle (it declares \(declared.map { "`\($0)`" }.joined(separator: ", ")))")
            }
            var checkpoint = weights.isEmpty ? nil : try CheckpointWeights.load(weights)
            let ev = given ?? CompileMode.evaluator(for: program, seed: seed, params: params)
            if runScript {
                do { try CompileMode.run(ev) } catch let e as RuntimeError {
                    engine.emit(e.diagnostic)
                    return ExitStatus.runtime
                }
            }
            if declared.isEmpty {
                engine.emit(Diagnostic.warning("E0407", "the script declares no `bundle`; nothing to compile", at: .none,
                                               hint: "declare one, e.g. `bundle phone for device { models: [net] }`"))
                return ExitStatus.ok
            }
            let compiled: [CompiledBundle]
            do {
                compiled = try BundleCompiler.build(try CompileMode.bundles(ev, only: only), evaluator: ev, checkpoint: &checkpoint)
            } catch let e as RuntimeError {
                engine.emit(e.diagnostic)
                // Placement, exportability and naming are rules of the script's bundles.
                return [RuntimeCode.data, RuntimeCode.io].contains(e.code) ? ExitStatus.runtime : ExitStatus.scriptErrors
            }
            let over = BundleCompiler.budgetDiagnostics(compiled)
            if !over.isEmpty {
                for d in over { engine.emit(d) }
                return ExitStatus.scriptErrors
            }
            if let unused = checkpoint?.unused, !unused.isEmpty {
                engine.emit(Diagnostic.warning("E0408", "--weights: \(unused.count) tensor\(unused.count == 1 ? "" : "s") no bundle ships, e.g. `\(unused[0])`", at: .none))
            }
            let urls = try BundleCompiler.write(compiled, to: directory)
            for (c, url) in zip(compiled, urls) { print(BundleCompiler.summary(c, url: url)) }
            return ExitStatus.ok
        } catch let f as CompileFailure {
            for d in f.diagnostics { engine.emit(d) }
            return f.status
        } catch {
            engine.emit(Diagnostic.error("E0505", "\(error)", at: .none))
            return ExitStatus.runtime
        }
    }
}
