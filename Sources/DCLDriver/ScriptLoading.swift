// The prologue every command that runs a script shares (`run`, `compile`, `summary`, `serve`,
// `device`): the file must be readable, the script must load and check clean (its diagnostics
// are reported in the command's format: errors stop it, warnings are shown — unless the command
// reports them later with its own — and it goes on), and
// its `--set` values must fit its params.

import ArgumentParser
import DCLCompiler
import DCLSema
import Foundation

public struct LoadedScript {
    public let checked: CheckedProgram
    public let program: LoadedProgram
    public let values: [String: ScriptParamValue]
}

public enum ScriptLoading {
    /// Loads `file` for `dcl COMMAND`; on a mistake reports it and throws the exit status.
    public static func load(_ file: String, command: String, diagnostics format: DiagnosticsFormat = .text,
                            params: ParamOptions?, reportWarnings: Bool = true) throws -> LoadedScript {
        guard FileManager.default.isReadableFile(atPath: file) else {
            StandardError.write("dcl \(command): cannot read \(file)\n")
            throw ExitCode(ExitStatus.usage)
        }
        let c = Pipeline.load(path: file)
        guard let program = c.program, !c.diagnostics.hasErrors else {
            format.report(c.diagnostics, sources: c.sources)
            throw ExitCode(ExitStatus.scriptErrors)
        }
        if reportWarnings, !c.diagnostics.diagnostics.isEmpty { format.report(c.diagnostics, sources: c.sources) }
        let values = try params?.values(for: program, command: command) ?? [:]
        return LoadedScript(checked: c, program: program, values: values)
    }
}
