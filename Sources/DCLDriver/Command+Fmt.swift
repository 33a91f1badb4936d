// `dcl fmt [--check] [--diagnostics text|json] FILE…` — rewrites files in the canonical style.
//
// * A file is rewritten only if its text changes, atomically: the new text goes to a temporary
//   file in the same directory (same file system, same permissions), which is then renamed over
//   the original, so a crash never leaves half a file.
// * `--check` writes nothing: it lists the files that would change and exits 1 if there are any.
// * `-` or no file: read standard input, write standard output.
// * A file with syntax errors is never formatted: its diagnostics go to standard error and the
//   exit status is 1. Input/output failures exit 2.

// `ArgumentParser.Argument` is spelled out: DCLSyntax has an `Argument` (call arguments) too.
import ArgumentParser
import DCLDiagnostics
import DCLSyntax
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
            printError("dcl fmt: cannot read \(path)")
            return 2
        }
        let sources = SourceManager()
        let file = sources.add(path: isStdin ? "<stdin>" : path, bytes: [UInt8](bytes))
        let engine = DiagnosticEngine()
        guard let formatted = Formatter.format(file, diagnostics: engine) else {
            report(engine, sources: sources, format: diagnostics)
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
            try writeFile(path, output)
        } catch {
            printError("dcl fmt: cannot write \(path): \(error)")
            return 2
        }
        return 0
    }
}

/// The two forms of `--diagnostics`.
enum DiagnosticsFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Prints a compilation's diagnostics to standard error: text (coloured when standard error is a
/// terminal and NO_COLOR is unset) with a summary line, or JSON lines.
func report(_ engine: DiagnosticEngine, sources: SourceManager, format: DiagnosticsFormat) {
    let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
    let renderer = DiagnosticRenderer(sources: sources, color: isatty(STDERR_FILENO) != 0 && !noColor)
    switch format {
    case .json:
        printError(renderer.json(engine.sorted), terminator: "")
    case .text:
        printError(renderer.render(engine.sorted), terminator: "")
        if let summary = renderer.summary(engine) { printError(summary) }
    }
}

func printError(_ s: String, terminator: String = "\n") {
    FileHandle.standardError.write(Data((s + terminator).utf8))
}

struct IOError: Error, CustomStringConvertible {
    let description: String
}

/// Replaces `path` with `bytes` atomically: a temporary file in the same directory, given the
/// original's permissions, is renamed over it.
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let directory = (path as NSString).deletingLastPathComponent
    let name = (path as NSString).lastPathComponent
    var template = Array(((directory.isEmpty ? "." : directory) + "/." + name + ".fmt-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw IOError(description: String(cString: strerror(errno))) }
    let tempPath = String(cString: template)
    var ok = false
    defer {
        if !ok { unlink(tempPath) }
    }
    var mode: mode_t = 0o644
    var info = stat()
    if stat(path, &info) == 0 { mode = info.st_mode & 0o7777 }
    var written = 0
    while written < bytes.count {
        let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            close(fd)
            throw IOError(description: String(cString: strerror(errno)))
        }
        written += n
    }
    fchmod(fd, mode)
    guard close(fd) == 0, rename(tempPath, path) == 0 else { throw IOError(description: String(cString: strerror(errno))) }
    ok = true
}
