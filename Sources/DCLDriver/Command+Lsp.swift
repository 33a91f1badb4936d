// `dcl lsp` — the Language Server Protocol server on standard input and output
// (DCLLanguageServer; docs/editors.md). Documents are checked by `dcl check`'s own pipeline
// (`PipelineChecker`), so an editor shows exactly the diagnostics the command prints.

import ArgumentParser
import DCLExport
import DCLGraph
import DCLLanguageServer
import DCLSema
import Foundation

public struct Lsp: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lsp",
        abstract: "Run the dcl language server (LSP over standard input and output).",
        discussion: """
        Speaks JSON-RPC 2.0 with Content-Length framing on standard input and output; logs go to \
        standard error. Editors start it as `dcl lsp` (docs/editors.md). Exit status: 0 after \
        `shutdown` then `exit`, 1 if the client exits or disconnects without `shutdown`.
        """
    )

    @Option(help: "Milliseconds of quiet after an edit before the document is checked.")
    var debounce: Int = 50

    public init() {}

    public func validate() throws {
        if debounce < 0 || debounce > 10_000 { throw ValidationError("--debounce must be between 0 and 10000 milliseconds") }
    }

    public func run() throws {
        let server = LanguageServer(checker: PipelineChecker())
        server.debounce = Double(debounce) / 1000
        let status = server.run()
        if status != 0 { throw ExitCode(status) }
    }
}

/// `dcl check` for the language server: load, check, and check-mode elaboration with the
/// script's parameter defaults, observed to collect shapes, summaries and bundle budgets.
public struct PipelineChecker: DocumentChecker {
    public init() {}

    public func analyze(path: String, bytes: [UInt8], isCancelled: @escaping () -> Bool) -> Analysis {
        let c = Pipeline.load(path: path, text: bytes)
        let facts = ProgramFacts()
        if !isCancelled(), let p = c.program, !c.diagnostics.hasErrors,
           case .success(let values) = ParamAssignments.read([], params: p.main.scriptParams) {
            Pipeline.checkShapes(p, diagnostics: c.diagnostics, params: values,
                                 prepare: { ev in
                                     ev.elaborator.modelObserver = facts
                                     // A superseded check stops at the evaluator's next interrupt point.
                                     ev.shouldInterrupt = isCancelled
                                 },
                                 finish: { facts.finish($0) },
                                 bundleBudgets: { b, budget in
                                     facts.bundles[b.name] = BundleBudget(bundle: b.name, role: b.role.name,
                                                                          lines: budget.limits.map(PipelineChecker.line))
                                 })
        }
        return Analysis(sources: c.sources, main: c.program?.main, modules: c.program?.modules ?? [],
                        diagnostics: c.diagnostics.sorted, facts: facts)
    }

    /// `params: 44.4k of 100.0k (met)`; storage is the weights' bytes only, a lower bound.
    static func line(_ l: BundleManifest.Limit) -> String {
        let f: (Int) -> String = l.metric.isBytes ? formatBytes : formatCount
        let bound = l.metric == .storage ? " (at least; weights only)" : ""
        return "\(l.metric.rawValue): \(f(l.measured))\(bound) of \(f(l.limit)) — \(l.met ? "within budget" : "over budget")"
    }
}
