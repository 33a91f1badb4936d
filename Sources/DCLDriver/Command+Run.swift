// `dcl run FILE [--seed S] [--threads T] [--bundles DIR]` — checks the script, then runs its
// statements top to bottom. The same script and seed give the same bytes. With `--bundles`,
// the script's bundles are compiled at the end of the run, with the trained weights.

import ArgumentParser
import DCLCompiler
import DCLDiagnostics
import DCLGraph
import DCLRuntime
import DCLTensor
import Foundation

public struct Run: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a dcl script.",
        discussion: """
        `--set NAME=VALUE` gives a script parameter (`param devices: int = 20`) a value for this run.

        Exit status: 0 success, 1 the script has errors, 2 the file could not be read or a --set is wrong, 3 a run-time error.
        """
    )

    @Option(help: "Seed of every random choice (initialisation, shuffling, dropout, partitioning).")
    var seed: UInt64 = 0

    @Option(help: "Kernel threads (default: the machine's cores).")
    var threads: Int?

    @Option(help: "How to print diagnostics on standard error: text or json (one object per line).")
    var diagnostics: DiagnosticsFormat = .text

    @Option(help: "After the run, write the script's bundles (.dclb) with the trained weights to this directory.")
    var bundles: String?

    @Flag(help: "After the run, print where the time and memory went (by statement and by primitive op) to standard error.")
    var profile = false

    @OptionGroup var params: ParamOptions

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
        let values = try params.values(for: program, command: "run")
        let session = Session(threads: threads, isTTY: isatty(STDERR_FILENO) != 0, output: { line in
            print(line)
            fflush(stdout)
        })
        let evaluator = Evaluator(program: program, hooks: session, seed: seed)
        evaluator.paramValues = values
        session.attach(evaluator)
        let scriptProfiler = profile ? ScriptProfiler() : nil, opProfiler = profile ? OpProfiler() : nil
        evaluator.profiler = scriptProfiler
        session.opProfiler = opProfiler
        let start = OpProfiler.now()
        /// The profile goes to standard error after the diagnostics, also when an error stopped the run.
        func reportProfile(stoppedBy: String?) {
            guard let sp = scriptProfiler, let op = opProfiler else { return }
            let report = ProfileReport(wallNanoseconds: OpProfiler.now() &- start, peakResidentKiB: ScriptProfiler.peakResidentKiB(),
                                       threads: session.pool.threadCount, stoppedBy: stoppedBy, script: sp.rowsByTime,
                                       ops: op.entries, sources: c.sources)
            StandardError.write(report.render())
        }
        do {
            try evaluator.run()
        } catch let e as RuntimeError {
            c.diagnostics.emit(e.diagnostic)
            diagnostics.report(c.diagnostics, sources: c.sources)
            reportProfile(stoppedBy: ProfileReport.place(e.span, in: c.sources))
            throw ExitCode(ExitStatus.runtime)
        }
        reportProfile(stoppedBy: nil)
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
