// `dcl run FILE [--seed S | --seeds A..B] [--out DIR] [--quiet] [--threads T] [--bundles DIR]` —
// checks the script, then runs its statements top to bottom. The same script and seed give the
// same bytes. With `--bundles`, the script's bundles are compiled at the end of the run, with
// the trained weights. `--out` writes what the run printed as data (ResultsDocument.swift);
// `--seeds` runs once per seed and folds the tables (Command+Run+Seeds.swift).

import ArgumentParser
import DCLCompiler
import DCLDiagnostics
import DCLGraph
import DCLRuntime
import DCLSema
import DCLTensor
import Foundation

public struct Run: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a dcl script.",
        discussion: """
        `--set NAME=VALUE` gives a script parameter (`param devices: int = 20`) a value for this run.

        `--seeds 0..4` (or `--seeds 0,3,7`) runs the script once per seed, each output line of a run \
        prefixed with `[seed S] ` (tables held back), and then prints the script's output once, in \
        order, every number that varies between seeds as `mean ± h` (h: half-width of the 95 % \
        Student-t confidence interval).

        `--out DIR` writes DIR/results.json (tables, printed records and lines, seeds, params, script \
        hash, wall time) and one CSV per table; standard output is unchanged. See docs/results.md.

        Exit status: 0 success, 1 the script has errors, 2 the file could not be read, a --set is wrong or \
        an option is misused, 3 a run-time error (or the seeds' tables differ in more than numbers).
        """
    )

    @Option(help: "Seed of every random choice (initialisation, shuffling, dropout, partitioning); default 0.")
    var seed: UInt64?

    @Option(help: ArgumentHelp("Run once per seed — a range A..B (inclusive) or a list A,B,C — and print each table once, with mean ± 95% CI.",
                               valueName: "seeds"))
    var seeds: String?

    @Option(help: ArgumentHelp("Write results.json and one CSV per printed table to this directory (created if missing).", valueName: "dir"))
    var out: String?

    @Flag(help: "No training progress (per-epoch lines, live line); tables and prints still appear.")
    var quiet = false

    @Option(help: "Kernel threads (default: the machine's cores).")
    var threads: Int?

    @Option(help: "How to print diagnostics on standard error: text or json (one object per line).")
    var diagnostics: DiagnosticsFormat = .text

    @Option(help: "After the run, write the script's bundles (.dclb) with the trained weights to this directory.")
    var bundles: String?

    @Flag(help: "After the run, print where the time and memory went (by statement and by primitive op) to standard error.")
    var profile = false

    @Option(help: ArgumentHelp("Where devices run: local (this process simulates the fleet) or loopback (`dcl serve` and device hosts as processes on 127.0.0.1).",
                               valueName: "mode"))
    var deploy: DeployMode = .local

    @Option(help: "With --deploy loopback: how many device host processes share the devices (default 2).")
    var deviceHosts: Int?

    @Option(help: "With --deploy loopback: the service's store, memory (the default), sqlite:PATH, or postgres://USER@HOST:PORT/DATABASE.")
    var store: String?

    @Option(help: "With --deploy loopback and a postgres:// store: how many `dcl serve` replicas share it (default 1); one drives the run, the others serve hosts and take over if it stops.")
    var replicas: Int?

    @Option(help: "With --deploy loopback: the service serves TLS with this PEM certificate (it must name 127.0.0.1); with --tls-key and --tls-ca.")
    var tlsCert: String?

    @Option(help: "With --deploy loopback: the PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "With --deploy loopback: the hosts trust the certificates in this PEM file to sign the service's.")
    var tlsCa: String?

    @Option(help: "With --deploy loopback: the service serves Prometheus metrics at http://HOST:PORT/metrics (as `dcl serve --metrics-listen`).")
    var metricsListen: String?

    @OptionGroup var params: ParamOptions

    @ArgumentParser.Argument(help: "The script to run.")
    var file: String

    public init() {}

    public func validate() throws {
        try validateThreads(threads)
        if deploy == .local {
            if deviceHosts != nil || store != nil || tlsCert != nil || tlsKey != nil || tlsCa != nil || metricsListen != nil || replicas != nil {
                throw ValidationError("--device-hosts, --store, --replicas, --tls-* and --metrics-listen go with --deploy loopback")
            }
        } else {
            if let k = deviceHosts, !(1...64).contains(k) { throw ValidationError("--device-hosts takes 1 to 64 hosts, not \(k)") }
            if let r = replicas {
                guard (1...8).contains(r) else { throw ValidationError("--replicas takes 1 to 8 replicas, not \(r)") }
                if r > 1 && !(store ?? "").hasPrefix("postgres://") {
                    throw ValidationError("--replicas \(r) needs a store the replicas share: --store postgres://USER@HOST:PORT/DATABASE")
                }
                if r > 1 && metricsListen != nil { throw ValidationError("--metrics-listen serves one service's metrics; give it with --replicas 1") }
            }
            let tlsGiven = [tlsCert, tlsKey, tlsCa].filter { $0 != nil }.count
            if tlsGiven != 0 && tlsGiven != 3 { throw ValidationError("--tls-cert, --tls-key and --tls-ca go together") }
            for (given, name) in [(seeds != nil, "--seeds"), (out != nil, "--out"), (bundles != nil, "--bundles"), (profile, "--profile")] where given {
                throw ValidationError("\(name) is for local runs: --deploy loopback runs once and prints what the service prints")
            }
        }
        guard let text = seeds else { return }
        if seed != nil {
            throw ValidationError("--seed and --seeds cannot be given together: --seed S runs once with seed S, --seeds runs once per seed")
        }
        if bundles != nil { throw ValidationError("--bundles compiles one run's trained weights; use it with --seed S, not --seeds") }
        if profile { throw ValidationError("--profile reports on one run; use it with --seed S, not --seeds") }
        do { _ = try SeedList.parse(text) } catch let e as SeedList.Failure { throw ValidationError(e.message) }
    }

    public func run() throws {
        let script = try ScriptLoading.load(file, command: "run", diagnostics: diagnostics, params: params)
        let c = script.checked, program = script.program, values = script.values
        if deploy == .loopback {
            let deployment = LoopbackDeployment(file: file, seed: seed ?? 0, assignments: params.assignments, threads: threads, quiet: quiet,
                                                hosts: deviceHosts ?? 2, store: store, replicas: replicas ?? 1, metricsListen: metricsListen,
                                                tls: tlsCert.map { LoopbackDeployment.TLSFiles(certificate: $0, key: tlsKey!, trustRoots: tlsCa!) })
            let status: Int32
            do { status = try deployment.run(program: program, values: values) } catch let e as LoopbackDeployment.Failure {
                StandardError.write("dcl run: --deploy loopback: \(e.message)\n")
                throw ExitCode(ExitStatus.usage)
            } catch {
                StandardError.write("dcl run: --deploy loopback: \(error)\n")
                throw ExitCode(ExitStatus.runtime)
            }
            if status != 0 { throw ExitCode(status) }
            return
        }
        if let out {
            do { try ResultsFiles.prepare(out) } catch let e as ResultsFiles.Failure {
                StandardError.write("dcl run: \(e.message)\n")
                throw ExitCode(ExitStatus.usage)
            }
        }
        if let text = seeds {
            return try runSeeds(try SeedList.parse(text), checked: c, program: program, params: values)
        }
        let seed = self.seed ?? 0
        let recorder = out == nil ? nil : RunRecorder(holdTables: false)
        let session = Session(threads: threads, output: { line in
            print(line)
            fflush(stdout)
        }, progress: progressMode(prefix: ""))
        session.figureDirectory = out
        let evaluator = Evaluator(program: program, hooks: session, seed: seed)
        evaluator.paramValues = values
        evaluator.runObserver = recorder
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
            // The check's warnings were reported before the run: report only the error.
            let failure = DiagnosticEngine()
            failure.emit(e.diagnostic)
            diagnostics.report(failure, sources: c.sources)
            reportProfile(stoppedBy: ProfileReport.place(e.span, in: c.sources))
            throw ExitCode(ExitStatus.runtime)
        }
        let seconds = Double(OpProfiler.now() &- start) / 1e9
        reportProfile(stoppedBy: nil)
        // The results are written before the bundles are compiled: a bundle over its budget
        // does not lose the run's numbers.
        if let out, let recorder {
            let run = SeedRun(seed: seed, seconds: seconds, tables: recorder.tables, records: recorder.records, printed: recorder.printed,
                              claims: recorder.claims)
            try writeResults(ResultsDocument(script: file, scriptText: scriptText(), params: orderedParams(values, program),
                                             threads: session.pool.threadCount, wallSeconds: seconds, runs: [run], aggregate: nil),
                             to: out)
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

    /// How training shows progress: nothing with `--quiet`; one updating line per train when
    /// standard output is a terminal; otherwise a line per epoch, as in logs and pipes (plus
    /// the live bar on standard error when that is a terminal).
    func progressMode(prefix: String) -> ProgressMode {
        if quiet { return .quiet }
        if isatty(STDOUT_FILENO) != 0 {
            return .live(prefix: prefix, write: { text in
                print(text, terminator: "")
                fflush(stdout)
            })
        }
        return .lines(barOnStandardError: isatty(STDERR_FILENO) != 0)
    }

    func scriptText() -> Data { FileManager.default.contents(atPath: file) ?? Data() }

    /// The `--set` values in the order the script declares its params.
    func orderedParams(_ values: [String: ScriptParamValue], _ program: LoadedProgram) -> [(String, ScriptParamValue)] {
        program.main.scriptParams.compactMap { p in values[p.name].map { (p.name, $0) } }
    }

    func writeResults(_ document: ResultsDocument, to dir: String) throws {
        let files = document.files()
        do { try ResultsFiles.write(files, into: dir) } catch let e as ResultsFiles.Failure {
            StandardError.write("dcl run: \(e.message)\n")
            throw ExitCode(ExitStatus.usage)
        }
        let tables = files.count - 1
        StandardError.write("dcl run: wrote \(dir)/results.json and \(tables) CSV file\(tables == 1 ? "" : "s")\n")
    }
}

/// `dcl run --deploy`: where the devices' work runs.
enum DeployMode: String, ExpressibleByArgument, CaseIterable {
    case local, loopback
}
