// `dcl run FILE --seeds A..B`: the script once per seed, in this process, each run in a fresh
// session and evaluator (nothing carries over: a run with seed k gives what `--seed k` gives).
//
// What each run prints goes to standard output as it happens, every line prefixed with
// `[seed k] ` — progress lines too (`--quiet` drops them) — except the tables: a `print` of a
// table alone is held back. At the end the script's prints are shown once, in order, folded
// over the seeds: the tables by SeedAggregate.swift, the other lines by SeedLines.swift. If the seeds' tables cannot be folded (they differ in more than
// numbers), each seed's tables are printed as they were and the run fails with exit status 3.

import ArgumentParser
import DCLCompiler
import DCLDiagnostics
import DCLRuntime
import DCLSema
import Foundation

extension Run {
    func runSeeds(_ list: SeedList, checked c: CheckedProgram, program: LoadedProgram, params: [String: ScriptParamValue]) throws {
        let start = Date()
        var runs: [SeedRun] = []
        var threadCount = 1
        for s in list.seeds {
            let recorder = RunRecorder(holdTables: true)
            let prefix = "[seed \(s)] "
            let session = Session(threads: threads, output: { line in
                if recorder.takeHeldBack(line) { return }
                printPrefixed(prefix, line)
            }, progress: progressMode(prefix: prefix))
            // Each seed's figures in a directory of their own, so no seed overwrites another's.
            if let out {
                let dir = out + "/seed-\(s)"
                do { try ResultsFiles.prepare(dir) } catch let e as ResultsFiles.Failure {
                    StandardError.write("dcl run: \(e.message)\n")
                    throw ExitCode(ExitStatus.usage)
                }
                session.figureDirectory = dir
            }
            threadCount = session.pool.threadCount
            let evaluator = Evaluator(program: program, hooks: session, seed: s)
            evaluator.paramValues = params
            evaluator.runObserver = recorder
            session.attach(evaluator)
            let started = Date()
            do {
                try evaluator.run()
            } catch let e as RuntimeError {
                // The check's warnings were reported before the run: report only the error.
                let failure = DiagnosticEngine()
                failure.emit(e.diagnostic)
                diagnostics.report(failure, sources: c.sources)
                StandardError.write("dcl run: the run with seed \(s) stopped (--seeds \(list.description)); nothing was aggregated\n")
                throw ExitCode(ExitStatus.runtime)
            }
            runs.append(SeedRun(seed: s, seconds: Date().timeIntervalSince(started), tables: recorder.tables, records: recorder.records,
                                printed: recorder.printed, claims: recorder.claims))
        }
        let aggregate: [AggregatedTable]
        do {
            aggregate = try SeedAggregate.tables(runs)
        } catch let e as SeedAggregate.Mismatch {
            for r in runs { for t in r.tables { printPrefixed("[seed \(r.seed)] ", t.text) } }
            StandardError.write("dcl run: --seeds \(list.description): cannot fold the tables over the seeds: \(e.message)\n")
            throw ExitCode(ExitStatus.runtime)
        }
        let n = runs.count
        print("")
        print("\(n) seeds (\(list.description)): a number that varies between seeds is mean ± half-width of its 95% confidence interval "
            + "(Student t, \(n - 1) degree\(n == 2 ? "" : "s") of freedom)")
        let folded = SeedLines.fold(runs, tables: aggregate)
        if let folded {
            for block in folded { print(block) }
        } else {
            print("(the seeds printed different sequences of lines; only the tables are folded)")
            for t in aggregate { print(t.text) }
        }
        let claimLines = ClaimVerdict.section(runs)
        for line in claimLines { print(line) }
        fflush(stdout)
        if let out {
            let seconds = Date().timeIntervalSince(start)
            try writeResults(ResultsDocument(script: file, scriptText: scriptText(), params: orderedParams(params, program),
                                             threads: threadCount, wallSeconds: seconds, runs: runs, aggregate: aggregate,
                                             summary: folded),
                             to: out)
        }
    }
}

/// Prints every line of `text` with `prefix` in front.
private func printPrefixed(_ prefix: String, _ text: String) {
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) { print(prefix + line) }
    fflush(stdout)
}
