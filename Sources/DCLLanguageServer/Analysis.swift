// What checking one version of a document produced: the loaded sources and modules, the
// diagnostics exactly as `dcl check` reports them, and the facts hover and inlay hints show
// (shapes, params and FLOPs per model line, model summaries, bundle budgets).
//
// The checking itself is injected (`DocumentChecker`): `dcl lsp` passes the driver's pipeline —
// the same load, check and check-mode elaboration `dcl check` runs — so the server and the
// command cannot disagree.

import DCLDiagnostics
import DCLSema

public final class Analysis: @unchecked Sendable {
    public let sources: SourceManager
    /// The analysed document's module (nil if it could not be loaded at all).
    public let main: DCLModule?
    /// Every loaded module, imports first.
    public let modules: [DCLModule]
    /// In file and position order, as `dcl check` prints them.
    public let diagnostics: [Diagnostic]
    public let facts: ProgramFacts

    public init(sources: SourceManager, main: DCLModule?, modules: [DCLModule], diagnostics: [Diagnostic], facts: ProgramFacts) {
        self.sources = sources
        self.main = main
        self.modules = modules
        self.diagnostics = diagnostics
        self.facts = facts
    }
}

/// Checks a document's text as if it were the file at `path` (imports resolve against its
/// directory). `isCancelled` turns true once a newer version makes the result useless; the
/// checker may then stop early and return a partial analysis (which is discarded).
public protocol DocumentChecker: Sendable {
    func analyze(path: String, bytes: [UInt8], isCancelled: @escaping () -> Bool) -> Analysis
}
