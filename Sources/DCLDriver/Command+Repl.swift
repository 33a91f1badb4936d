// `dcl repl [FILE]` — the interactive REPL (also plain `dcl` on a terminal). FILE is loaded
// first; its directory is where relative data and weight paths resolve, as with `dcl run FILE`.

import ArgumentParser
import DCLRepl
import Foundation

public struct ReplCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Evaluate dcl interactively.",
        discussion: """
            Declarations and statements run one input at a time against a persistent session; `:help` \
            lists the commands. History is kept in ~/.dcl_history (DCL_HISTORY=PATH moves it, \
            DCL_HISTORY= turns it off). When standard input is not a terminal, inputs are read \
            without prompts, each result is printed, and the exit status is 1 if any input failed.
            """
    )

    @Option(help: "Seed of every random choice (initialisation, shuffling, dropout, partitioning).")
    var seed: UInt64 = 0

    @Option(help: "Kernel threads (default: the machine's cores).")
    var threads: Int?

    @ArgumentParser.Argument(help: "A script to load first.")
    var file: String?

    public init() {}

    public func validate() throws {
        try validateThreads(threads)
    }

    public func run() throws {
        if let f = file, !FileManager.default.isReadableFile(atPath: f) {
            StandardError.write("dcl repl: cannot read \(f)\n")
            throw ExitCode(ExitStatus.usage)
        }
        var options = ReplSession.Options()
        options.seed = seed
        options.threads = threads
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        options.color = isatty(STDERR_FILENO) != 0 && !noColor
        options.progressBars = isatty(STDERR_FILENO) != 0
        let status = Repl.run(file: file, options: options)
        if status != 0 { throw ExitCode(status) }
    }
}
