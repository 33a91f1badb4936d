// Fuzz harness: the script front end as `dcl check` runs it — lexer, parser, module loading
// (imports resolve against the built-in standard library only), the static checker, then
// check-mode elaboration (every model's shapes, without data or training) — and rendering the
// diagnostics as text and JSON, since every diagnostic's span must point into its source.
//
// The input is the text of the main script, any bytes (invalid UTF-8 is a diagnostic too).

import DCLDiagnostics
import DCLDriver

extension FuzzHarness {
    /// One `fuzz-script` input.
    public static func script(_ input: [UInt8]) {
        // A directory that does not exist, so `import foo` cannot pick up stray files, and an empty
        // environment, so DCL_PATH / DCL_STDLIB of the shell do not change what is fuzzed.
        let checked = Pipeline.load(path: "/nonexistent/dcl-fuzz/main.dcl", text: input, environment: [:])
        if let program = checked.program, !checked.diagnostics.hasErrors {
            Pipeline.checkShapes(program, diagnostics: checked.diagnostics)
        }
        let renderer = DiagnosticRenderer(sources: checked.sources)
        _ = renderer.render(checked.diagnostics.sorted)
        _ = renderer.json(checked.diagnostics.sorted)
        _ = renderer.summary(checked.diagnostics)
    }
}
