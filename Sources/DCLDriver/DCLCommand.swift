import ArgumentParser

/// The `dcl` command line. Subcommands live one per file (`Command+Run.swift`, …).
public struct DCLCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dcl",
        abstract: "A model-definition language and interpreter for device-cloud collaborative learning.",
        version: dclVersion,
        subcommands: [Run.self, Check.self, Fmt.self, Compile.self, Predict.self, Inspect.self, BenchCommand.self]
    )
    public init() {}
}
