import DCLDiagnostics
import DCLSema
import DCLSyntax
import Foundation

/// Parses and checks `source` as a main file named `main.dcl` (imports resolve against the
/// embedded StdLib and `directory`), returning the diagnostics in source order.
func check(_ source: String, directory: String = NSTemporaryDirectory()) -> (diagnostics: [Diagnostic], sources: SourceManager) {
    let sources = SourceManager()
    let engine = DiagnosticEngine(errorLimit: 100)
    let loader = ModuleLoader(sources: sources, diagnostics: engine, parse: { Parser.parse($0, diagnostics: $1) },
                              environment: [:])
    guard loader.loadMain(path: directory + "/main.dcl", bytes: Array(source.utf8), directory: directory) != nil else {
        return (engine.sorted, sources)
    }
    Checker(modules: loader.ordered, diagnostics: engine).check()
    return (engine.sorted, sources)
}

/// `line:col code message` for each diagnostic, for compact assertions.
func describe(_ result: (diagnostics: [Diagnostic], sources: SourceManager)) -> [String] {
    result.diagnostics.map { d in
        let pos = result.sources.location(of: d.span).map { "\($0.position)" } ?? "-"
        return "\(pos) \(d.code) \(d.message)"
    }
}
