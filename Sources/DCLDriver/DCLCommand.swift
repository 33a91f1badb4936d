import ArgumentParser
import Foundation

/// The `dcl` command line. Subcommands live one per file (`Command+Run.swift`, …).
public struct DCLCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dcl",
        abstract: "A model-definition language and interpreter for device-cloud collaborative learning.",
        discussion: "With no subcommand on a terminal, `dcl` starts the REPL (`dcl repl`).",
        version: dclVersion,
        subcommands: [Run.self, Check.self, Fmt.self, Summary.self, GraphView.self, Compile.self, Predict.self, Inspect.self,
                      ReplCommand.self, BenchCommand.self]
    )
    public init() {}

    /// No subcommand: the REPL when a person is typing, the help otherwise.
    public func run() throws {
        guard isatty(STDIN_FILENO) != 0 else { throw CleanExit.helpRequest(self) }
        // Parsed, not constructed: an unparsed command cannot read its options.
        try ReplCommand.parse([]).run()
    }
}
