import ArgumentParser

/// The `dcl` command line. Subcommands live one per file (`Command+Run.swift`, …).
public struct DCLCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dcl",
        abstract: "A model-definition language and interpreter for device-cloud collaborative learning.",
        version: dclVersion,
        // `BenchParseTopLevel` (`dcl bench-parse`) is temporary: `BenchParse` moves under the
        // shared `dcl bench` group (with `gemm` and `train`) when that lands.
        subcommands: [Fmt.self, BenchParseTopLevel.self]
    )
    public init() {}
}
