// `--set NAME=VALUE` (repeatable) for `dcl run`, `check`, `compile` and `summary`: values for the
// script's `param` declarations, so sweeps and fleet sizes need no editing. Each assignment is
// checked against the script before anything runs — the name must be one of its params, the
// value must spell the param's type, and a name may be set once — and a mistake is a usage
// error (exit status 2) that says what was given and what would be accepted.

import ArgumentParser
import DCLCompiler
import DCLDiagnostics
import DCLSema
import Foundation

public struct ParamOptions: ParsableArguments {
    @Option(name: .customLong("set"), parsing: .singleValue,
            help: ArgumentHelp("Give the script's `param NAME: TYPE = DEFAULT` a value; repeatable.", valueName: "name=value"))
    public var assignments: [String] = []

    /// The values for `program`'s params; on a mistake, writes `command: message` to standard
    /// error and throws exit status 2.
    public init() {}

    public func values(for program: LoadedProgram, command: String) throws -> [String: ScriptParamValue] {
        switch ParamAssignments.read(assignments, params: program.main.scriptParams) {
        case .success(let v):
            return v
        case .failure(let e):
            StandardError.write("dcl \(command): \(e.message)\n")
            throw ExitCode(ExitStatus.usage)
        }
    }
}

/// A `--set` mistake, worded for the person who typed it.
struct ParamAssignmentError: Error, Equatable {
    let message: String
}

enum ParamAssignments {
    /// Reads `NAME=VALUE` texts against `params` (the script's, in source order).
    static func read(_ assignments: [String], params: [ScriptParam]) -> Result<[String: ScriptParamValue], ParamAssignmentError> {
        var values: [String: ScriptParamValue] = [:]
        var given: [String: String] = [:]
        for text in assignments {
            guard let eq = text.firstIndex(of: "=") else {
                return .failure(ParamAssignmentError(message: "--set `\(text)`: expected NAME=VALUE, e.g. `--set \(example(params, text))`"
                    + listing(params)))
            }
            let name = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
            let raw = String(text[text.index(after: eq)...])
            guard !name.isEmpty else {
                return .failure(ParamAssignmentError(message: "--set `\(text)`: no parameter name before `=`" + listing(params)))
            }
            guard let param = params.first(where: { $0.name == name }) else {
                var message = "--set \(text): the script has no param `\(name)`"
                if let near = closestName(to: name, among: params.map(\.name)) { message += " (did you mean `\(near)`?)" }
                return .failure(ParamAssignmentError(message: message + listing(params)))
            }
            if let first = given[name] {
                return .failure(ParamAssignmentError(message: "--set \(name) is given twice (`\(first)` and `\(raw)`); give each param once"))
            }
            given[name] = raw
            // A param whose declared type is not a param type has been reported by the checker,
            // which stops every command before this point.
            guard let type = param.type else { continue }
            guard let v = type.parse(raw) else {
                let shown = raw.isEmpty ? "nothing" : "`\(raw)`"
                return .failure(ParamAssignmentError(message: "--set \(text): param `\(name)` is \(article(type)) \(type.rawValue), but \(shown) is not; write \(type.spelled)"))
            }
            values[name] = v
        }
        return .success(values)
    }

    /// `devices=5` for the first param, or `NAME=VALUE` when the script has none.
    static func example(_ params: [ScriptParam], _ text: String) -> String {
        if let p = params.first(where: { $0.name == text }) ?? params.first { return "\(p.name)=\(p.defaultText)" }
        return "NAME=VALUE"
    }

    /// The script's params, one per line, for messages.
    static func listing(_ params: [ScriptParam]) -> String {
        if params.isEmpty { return "\n  the script declares no params; declare one with `param NAME: TYPE = DEFAULT`" }
        return "\n  the script's params:" + params.map { "\n    \($0.signature)" }.joined()
    }

    static func article(_ t: ScriptParamType) -> String { t == .int ? "an" : "a" }
}
