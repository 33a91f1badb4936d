// `dcl run FILE [--seed S] [--threads T] [--bundles DIR]` — checks the script, then runs its
// statements top to bottom. The same script and seed give the same bytes. With `--bundles`,
// the script's bundles are compiled at the end of the run, with the trained weights.

import ArgumentParser
import DCLCompiler
import DCLDiagnostics
import DCLRuntime
import DCLTensor
import Foundation

public struct Run: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a dcl script.",
        discussion: "Exit status: 0 success, 1 the script has errors, 2 the file could not be read, 3 a run-time error."
    )

    @Option(help: "Seed of every random choice (initialisation, shuffling, dropout, partitioning).")
    var seed: UInt64 = 0

    @Option(help: "Kernel threads (default: the machine's cores).")
    var threads: Int?

    @Option(help: "How to print diagnostics on standard error: text or json (one object per line).")
    var diagnostics: DiagnosticsFormat = .text

    @Option(help: "After the run, write the script's bundles (.dclb) with the trained weights to this directory.")
    var bundles: String?

    @ArgumentParser.Argument(help: "The script to run.")
    var file: String

    public init() {}

    public func validate() throws {
        try validateThreads(threads)
    }

    public func run() throws {
        guard FileManager.default.isReadableFile(atPath: file) else {
            StandardError.write("dcl run: cannot read \(file)\n")
            throw ExitCode(ExitStatus.usage)
        }
        let c = Pipeline.load(path: file)
        guard let program = c.program, !c.diagnostics.hasErrors else {
            diagnostics.report(c.diagnostics, sources: c.sources)
            throw ExitCode(ExitStatus.scriptErrors)
        }
        if !c.diagnostics.diagnostics.isEmpty { diagnostics.report(c.diagnostics, sources: c.sources) }
        let session = Session(threads: threads, isTTY: isatty(STDERR_FILENO) != 0, output: { line in
            print(line)
            fflush(stdout)
        })
        let evaluator = Evaluator(program: program, hooks: session, seed: seed)
        session.attach(evaluator)
        do {
            try evaluator.run()
        } catch let e as RuntimeError {
            c.diagnostics.emit(e.diagnostic)
            diagnostics.report(c.diagnostics, sources: c.sources)
            throw ExitCode(ExitStatus.runtime)
        }
        if let dir = bundles {
            // A fresh engine: the check's warnings were already printed before the run.
            let engine = DiagnosticEngine()
            let status = BundleCompilation.compile(program: program, engine: engine, weights: [], seed: seed, into: dir,
                                                   runScript: false, evaluator: evaluator, print: { print($0) })
            if !engine.diagnostics.isEmpty { diagnostics.report(engine, sources: c.sources) }
            if status != ExitStatus.ok { throw ExitCode(status) }
        }
    }
}
