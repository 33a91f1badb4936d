// `dcl check FILE…` — everything that can be known before running: syntax, names, arity and
// argument types, placement and budget units, tensor shapes through every model, and each
// bundle's placement and budget as `dcl compile` finds them (BundleCheck.swift).

import ArgumentParser
import DCLDiagnostics
import DCLSema
import Foundation

public struct Check: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check dcl scripts without running them.",
        discussion: """
        Checks syntax, names and types, placement, budget units, tensor shapes through every model, \
        and every bundle as `dcl compile` plans it: placement (E0401) and its role's budget (E0406). \
        Nothing runs, no data is read and no weights are created, so params, FLOPs and memory are \
        measured on the graphs, and storage only as a lower bound (the weights' stored bytes), \
        reported when that bound is already over. Bundles whose models depend on data are left \
        to `dcl compile`.

        Exit status: 0 no errors, 1 errors found, 2 a file could not be read.
        """
    )

    @Option(help: "How to print diagnostics on standard error: text or json (one object per line).")
    var diagnostics: DiagnosticsFormat = .text

    @OptionGroup var params: ParamOptions

    @ArgumentParser.Argument(help: "Scripts to check.")
    var files: [String]

    public init() {}

    public func run() throws {
        var status = ExitStatus.ok
        for path in files {
            guard FileManager.default.isReadableFile(atPath: path) else {
                StandardError.write("dcl check: cannot read \(path)\n")
                status = max(status, ExitStatus.usage)
                continue
            }
            let c = Pipeline.load(path: path)
            if let p = c.program, !c.diagnostics.hasErrors {
                // Shapes, role sizes and budgets are checked with the `--set` values.
                let values: [String: ScriptParamValue]
                do { values = try params.values(for: p, command: "check") } catch {
                    status = max(status, ExitStatus.usage)
                    continue
                }
                Pipeline.checkShapes(p, diagnostics: c.diagnostics, params: values)
            }
            if !c.diagnostics.diagnostics.isEmpty { diagnostics.report(c.diagnostics, sources: c.sources) }
            if c.diagnostics.hasErrors { status = max(status, ExitStatus.scriptErrors) }
        }
        if status != ExitStatus.ok { throw ExitCode(status) }
    }
}
