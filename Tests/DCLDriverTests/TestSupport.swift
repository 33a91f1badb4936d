// Shared helpers for the driver tests: temporary directories, scripts written to disk, compiling
// in-process (the same path `dcl compile` takes), reading bundles back, and the Python runner.
//
// Every test that compiles goes through `DriverTests`, a serialized suite: the evaluator and
// the model registry are single-threaded by design.

@_exported import DCLPythonChecks  // runPython, pythonChecksAvailable, pythonScriptsDirectory
import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLExport
import DCLTensor
import Foundation
import Testing
@testable import DCLDriver
import DCLCommandLine
import DCLTestScratch

@Suite("dcl compile and predict", .serialized, .ownThreads)
struct DriverTests {}

/// The repository root (for Examples/data).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh empty directory under the system temporary directory.
func makeTemporaryDirectory(_ label: String) throws -> URL {
    try TestScratch.directory(label)
}

/// Writes `text` to `dir/name` and returns the path.
@discardableResult
func writeScript(_ text: String, named name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// The outcome of compiling a script in-process.
struct CompileResult {
    var status: Int32
    var diagnostics: [Diagnostic]
    var output: [String]
    var evaluator: Evaluator?
    var program: LoadedProgram?

    /// Every diagnostic's code, message, notes and hint, for `contains` checks.
    var text: String {
        diagnostics.map { ([$0.code, $0.message] + $0.notes + [$0.hint ?? ""]).joined(separator: "\n") }.joined(separator: "\n")
    }
}

/// Loads, checks and compiles `path` into `dir` as `dcl compile` does.
func compile(_ path: String, into dir: URL, weights: [String] = [], seed: UInt64 = 0) -> CompileResult {
    let c = Pipeline.load(path: path)
    guard let program = c.program, !c.diagnostics.hasErrors else {
        return CompileResult(status: ExitStatus.scriptErrors, diagnostics: c.diagnostics.diagnostics, output: [], evaluator: nil, program: nil)
    }
    let ev = CompileMode.evaluator(for: program, seed: seed)
    var lines: [String] = []
    let status = BundleCompilation.compile(program: program, engine: c.diagnostics, weights: weights, seed: seed, into: dir.path,
                                           runScript: true, evaluator: ev, print: { lines.append($0) })
    return CompileResult(status: status, diagnostics: c.diagnostics.diagnostics, output: lines, evaluator: ev, program: program)
}

/// The value a script's top-level name has in `result`'s evaluator.
func value(_ name: String, in result: CompileResult) throws -> DCLCompiler.Value {
    try result.evaluator!.lookup(name, in: result.evaluator!.environment(of: result.program!.main), span: .none)
}

/// Entries of `dir` (names, hidden temporaries included), sorted; empty if it does not exist.
func listing(_ dir: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
}

/// Runs a `dcl` subcommand in-process; returns its exit status.
func runCommand(_ arguments: [String]) -> Int32 {
    do {
        var command = try DCLCommand.parseAsRoot(arguments)
        try command.run()
        return 0
    } catch {
        return DCLCommand.exitStatus(for: error)
    }
}
