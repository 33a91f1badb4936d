// `dcl check FILE…` — everything that can be known before running: syntax, names, arity and
// argument types, placement and budget units, and tensor shapes through every model.

import ArgumentParser
import DCLDiagnostics
import Foundation

public struct Check: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check dcl scripts without running them.",
        discussion: "Exit status: 0 no errors, 1 errors found, 2 a file could not be read."
    )

    @Option(help: "How to print diagnostics on standard error: text or json (one object per line).")
    var diagnostics: DiagnosticsFormat = .text

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
                Pipeline.checkShapes(p, diagnostics: c.diagnostics)
            }
            if !c.diagnostics.diagnostics.isEmpty { diagnostics.report(c.diagnostics, sources: c.sources) }
            if c.diagnostics.hasErrors { status = max(status, ExitStatus.scriptErrors) }
        }
        if status != ExitStatus.ok { throw ExitCode(status) }
    }
}
