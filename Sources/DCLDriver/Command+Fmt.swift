// `dcl fmt [--check] [--diagnostics text|json] FILE…` — rewrites files in the canonical style.
//
// * A file is rewritten only if its text changes, atomically: the new text goes to a temporary
//   file in the same directory (same file system, same permissions), which is then renamed over
//   the original, so a crash never leaves half a file. A symbolic link is written through
//   (its target changes, the link stays); temporaries of killed runs are cleaned up.
// * `--check` writes nothing: it lists the files that would change and exits 1 if there are any.
// * `-` or no file: read standard input, write standard output.
// * A file with syntax errors is never formatted: its diagnostics go to standard error and the
//   exit status is 1. Input/output failures exit 2.

// `ArgumentParser.Argument` is spelled out: DCLSyntax has an `Argument` (call arguments) too.
import ArgumentParser
import DCLDiagnostics
import DCLSyntax
import DCLTensor
import Foundation

/// `dcl fmt`.
public struct Fmt: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Format dcl files in the canonical style.",
        discussion: "Exit status: 0 formatted (or already formatted), 1 syntax errors or (with --check) files that would change, 2 input/output errors."
    )

    @Flag(help: "Write nothing; list the files that would change and exit 1 if any would.")
    var check = false

    @Option(help: "How to print diagnostics on standard error: text or json (one object per line).")
    var diagnostics: DiagnosticsFormat = .text

    @ArgumentParser.Argument(help: "Files to format. `-` or none: standard input to standard output.")
    var files: [String] = []

    public init() {}

    public func run() throws {
        let paths = files.isEmpty ? ["-"] : files
        var status: Int32 = 0
        for path in paths {
            status = max(status, format(path))
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Formats one file; returns its exit status.
    func format(_ path: String) -> Int32 {
        let isStdin = path == "-"
        guard let bytes = isStdin ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path) else {
            StandardError.write("dcl fmt: cannot read \(path)\n")
            return 2
        }
        let sources = SourceManager()
        let file = sources.add(path: isStdin ? "<stdin>" : path, bytes: [UInt8](bytes))
        let engine = DiagnosticEngine()
        guard let formatted = SourceFormatter.format(file, diagnostics: engine) else {
            diagnostics.report(engine, sources: sources)
            return 1
        }
        let output = Array(formatted.utf8)
        if check {
            if output != file.bytes {
                print(file.path)
                return 1
            }
            return 0
        }
        if isStdin {
            FileHandle.standardOutput.write(Data(output))
            return 0
        }
        guard output != file.bytes else { return 0 }
        do {
            try AtomicFile.replace(path, with: output)
        } catch {
            StandardError.write("dcl fmt: cannot write \(path): \(error)\n")
            return 2
        }
        return 0
    }
}

/// `--diagnostics text|json`: how a command prints diagnostics on standard error. Public so
/// every command that reports diagnostics can offer the same option.
public enum DiagnosticsFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json

    /// Prints a compilation's diagnostics to standard error: text (coloured when standard error
    /// is a terminal and NO_COLOR is unset) followed by a summary line, or JSON lines.
    public func report(_ engine: DiagnosticEngine, sources: SourceManager) {
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        let renderer = DiagnosticRenderer(sources: sources, color: isatty(STDERR_FILENO) != 0 && !noColor)
        switch self {
        case .json:
            StandardError.write(renderer.json(engine.sorted))
        case .text:
            StandardError.write(renderer.render(engine.sorted))
            if let summary = renderer.summary(engine) { StandardError.write(summary + "\n") }
        }
    }
}

/// Writing to standard error.
public enum StandardError {
    public static func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}

/// Files replaced safely.
enum AtomicFile {
    struct WriteError: Error, CustomStringConvertible {
        let description: String
    }

    /// Replaces `path` with `bytes`: a temporary file in the same directory (so the rename stays
    /// on one file system), given the original's permissions, is renamed over it. A crash leaves
    /// either the old file or the new one, never half of either.
    /// A symbolic link is written through: its target is replaced and the link kept.
    static func replace(_ requested: String, with bytes: [UInt8]) throws {
        let path = AtomicWrite.resolvedDestination(requested)
        AtomicWrite.removeStaleTemporaries(of: path)
        let tempPath = AtomicWrite.temporaryPath(for: path)
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteError(description: String(cString: strerror(errno))) }
        var done = false
        defer {
            if !done { unlink(tempPath) }
        }
        var mode: mode_t = 0o644
        var info = stat()
        if stat(path, &info) == 0 { mode = info.st_mode & 0o7777 }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                close(fd)
                throw WriteError(description: message)
            }
            written += n
        }
        fchmod(fd, mode)
        guard close(fd) == 0, rename(tempPath, path) == 0 else {
            throw WriteError(description: String(cString: strerror(errno)))
        }
        done = true
    }
}
