import ArgumentParser
import DCLDeploy
import DCLDriver
import DCLTensor
import Foundation

/// The `dcl` command line. Subcommands live one per file (`Command+Run.swift`, …).
public struct DCLCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dcl",
        abstract: "A model-definition language and interpreter for device-cloud collaborative learning.",
        discussion: "With no subcommand on a terminal, `dcl` starts the REPL (`dcl repl`).",
        version: dclVersion,
        subcommands: [Run.self, Check.self, Fmt.self, Summary.self, GraphView.self, Compile.self, Predict.self, Inspect.self,
                      ReplCommand.self, BenchCommand.self, Lsp.self,
                      Serve.self, DeviceHost.self, StatusCommand.self, PoolCommand.self]
    )
    public init() {}

    /// The process's exit status for an error a command threw: the documented 2 for usage
    /// problems (ArgumentParser's own validation failures would otherwise exit with 64,
    /// EX_USAGE), the command's own status otherwise.
    public static func exitStatus(for error: Error) -> Int32 {
        let code = exitCode(for: error)
        return code == .validationFailure ? ExitStatus.usage : code.rawValue
    }

    /// Parses the process's arguments, runs the command and exits with a documented status.
    public static func runMain() -> Never {
        // The resource caps (SECURITY.md) come from DCL_MAX_* variables; a malformed one is a
        // usage error rather than a silently ignored limit.
        do {
            ResourceLimits.current = try ResourceLimits.parseEnvironment(ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("dcl: error: \(error)\n".utf8))
            Foundation.exit(ExitStatus.usage)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
            Foundation.exit(ExitStatus.ok)
        } catch {
            let status = exitStatus(for: error)
            guard status != exitCode(for: error).rawValue else { exit(withError: error) }
            // Same message ArgumentParser prints for a usage error, with the documented status.
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(status)
        }
    }

    /// No subcommand: the REPL when a person is typing, the help otherwise.
    public func run() throws {
        guard isatty(STDIN_FILENO) != 0 else { throw CleanExit.helpRequest(self) }
        // Parsed, not constructed: an unparsed command cannot read its options.
        try ReplCommand.parse([]).run()
    }
}

/// `dcl bench …`: the driver's benchmarks and the fleet service's load test.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: BenchCommands.abstract,
                                                    subcommands: BenchCommands.engine + [ServeBench.self])
}
