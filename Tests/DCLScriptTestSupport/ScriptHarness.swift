// Running whole scripts in-process for the compiler's and the runtime's tests: check, then run,
// collecting printed lines; static and run-time errors come back rendered. One copy, shared by
// both test targets.

import DCLCompiler
import DCLDiagnostics
import DCLRuntime
import DCLSema
import DCLSyntax
import Foundation
import DCLTestScratch

/// A script's run: what it printed and the evaluator (for inspecting values).
public struct ScriptRun {
    public var output: [String]
    public let evaluator: Evaluator
    public let sources: SourceManager
    public let session: Session

    /// The value of a top-level binding of the main file.
    public func value(_ name: String) -> Value? { evaluator.environment(of: evaluator.program.main).lookup(name) }
}

public struct ScriptFailure: Error, CustomStringConvertible {
    public let diagnostics: [Diagnostic]
    public let rendered: String
    /// The files the diagnostics' spans point into.
    public let sources: SourceManager
    /// What the script printed before it stopped.
    public var output: [String] = []
    public var description: String { rendered }
    public var codes: [String] { diagnostics.map(\.code) }
}

/// Checks and runs `text` as `directory/main.dcl` (relative data paths resolve there).
/// Static errors and run-time errors throw `ScriptFailure` with the rendered diagnostics.
/// `checkMode` evaluates as `dcl check` does: without effects, models elaborated, data unknown.
public func runScript(_ text: String, directory: String = NSTemporaryDirectory(), seed: UInt64 = 0, threads: Int? = nil,
                      checkMode: Bool = false, checkStepLimit: Int? = nil, configure: (Session) -> Void = { _ in }) throws -> ScriptRun {
    let sources = SourceManager()
    let engine = DiagnosticEngine()
    let loader = ModuleLoader(sources: sources, diagnostics: engine, parse: { Parser.parse($0, diagnostics: $1) }, environment: [:])
    func fail() -> ScriptFailure {
        ScriptFailure(diagnostics: engine.sorted, rendered: DiagnosticRenderer(sources: sources).render(engine.sorted), sources: sources)
    }
    guard let main = loader.loadMain(path: directory + "/main.dcl", bytes: Array(text.utf8), directory: directory) else { throw fail() }
    if !engine.hasErrors { Checker(modules: loader.ordered, diagnostics: engine).check() }
    if engine.hasErrors { throw fail() }
    var lines: [String] = []
    let session = Session(threads: threads, isTTY: false, output: { lines.append($0) })
    configure(session)
    let ev = Evaluator(program: LoadedProgram(sources: sources, modules: loader.ordered, main: main), hooks: session, seed: seed,
                       checkMode: checkMode)
    if let limit = checkStepLimit { ev.checkStepLimit = limit }
    session.attach(ev)
    do {
        try ev.run()
    } catch let e as RuntimeError {
        engine.emit(e.diagnostic)
        var failure = fail()
        failure.output = lines
        throw failure
    }
    return ScriptRun(output: lines, evaluator: ev, sources: sources, session: session)
}

/// A temporary directory with files written into it.
public func temporaryDirectory(files: [String: String] = [:]) throws -> String {
    let dir = try TestScratch.directory("script").path
    for (name, text) in files {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
    return dir
}

/// The repository's Examples directory (for the shipped data).
public let examplesDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("Examples").path
}()

/// A small synthetic classification CSV: `n` rows of `features` values and a label in 0..<classes
/// that a linear model can learn (the label is the argmax of a fixed projection).
public func syntheticCSV(rows n: Int, features: Int, classes: Int, seed: UInt64) -> String {
    var g = SeededGeneratorForTests(seed: seed)
    var lines = [(0..<features).map { "f\($0)" }.joined(separator: ",") + ",label"]
    for _ in 0..<n {
        let xs = (0..<features).map { _ in g.unit() * 2 - 1 }
        let scores = (0..<classes).map { c in xs.enumerated().reduce(0.0) { $0 + $1.element * Double((($1.offset + 1) * (c + 3)) % 7 - 3) } }
        let label = scores.indices.max { scores[$0] < scores[$1] }!
        lines.append(xs.map { String(format: "%.4f", $0) }.joined(separator: ",") + ",\(label)")
    }
    return lines.joined(separator: "\n") + "\n"
}

/// A tiny independent generator so test data does not depend on the engine's RNG.
public struct SeededGeneratorForTests {
    public var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    public mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 11
    }
    public mutating func unit() -> Double { Double(next() % 1_000_000) / 1_000_000 }
}

/// Checks `text` as `directory/main.dcl` and returns an evaluator that has not run anything
/// yet, with its session (a device host evaluates only a role's data through it).
public func loadScript(_ text: String, directory: String, seed: UInt64 = 0) throws -> (evaluator: Evaluator, session: Session, output: () -> [String]) {
    let sources = SourceManager()
    let engine = DiagnosticEngine()
    let loader = ModuleLoader(sources: sources, diagnostics: engine, parse: { Parser.parse($0, diagnostics: $1) }, environment: [:])
    func fail() -> ScriptFailure {
        ScriptFailure(diagnostics: engine.sorted, rendered: DiagnosticRenderer(sources: sources).render(engine.sorted), sources: sources)
    }
    guard let main = loader.loadMain(path: directory + "/main.dcl", bytes: Array(text.utf8), directory: directory) else { throw fail() }
    if !engine.hasErrors { Checker(modules: loader.ordered, diagnostics: engine).check() }
    if engine.hasErrors { throw fail() }
    final class Lines { var all: [String] = [] }
    let lines = Lines()
    let session = Session(threads: nil, isTTY: false, output: { lines.all.append($0) })
    let ev = Evaluator(program: LoadedProgram(sources: sources, modules: loader.ordered, main: main), hooks: session, seed: seed)
    session.attach(ev)
    return (ev, session, { lines.all })
}
