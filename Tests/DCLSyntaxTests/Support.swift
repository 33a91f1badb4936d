// Shared helpers: parsing strings, locating the repository, snapshot files, and the round-trip
// property every valid program must satisfy.

import DCLDiagnostics
import Foundation
import Testing
@testable import DCLSyntax

/// A parsed text with its file and diagnostics.
struct Parsed {
    let sources: SourceManager
    let file: SourceFile
    let program: Program
    let engine: DiagnosticEngine

    init(_ text: String, path: String = "test.dcl", errorLimit: Int = 20) {
        self.init(bytes: Array(text.utf8), path: path, errorLimit: errorLimit)
    }

    init(bytes: [UInt8], path: String = "test.dcl", errorLimit: Int = 20) {
        sources = SourceManager()
        file = sources.add(path: path, bytes: bytes)
        engine = DiagnosticEngine(errorLimit: errorLimit)
        program = Parser.parse(file, diagnostics: engine)
    }

    var diagnostics: [Diagnostic] { engine.sorted }
    var errors: [Diagnostic] { engine.sorted.filter { $0.severity == .error } }
    var codes: [String] { errors.map(\.code) }
    var items: [String] { ASTDump.flatItems(program) }
    var dump: String { ASTDump.dump(program) }

    /// `line:col code message` for each diagnostic.
    var described: [String] {
        diagnostics.map { d in
            let p = file.lineColumn(of: Int(d.span.start))
            return "\(p.line):\(p.column) \(d.code) \(d.message)"
        }
    }

    var spanViolations: [String] { SpanCheck.violations(in: program, fileLength: file.bytes.count) }
}

/// Paths in the repository, found from this file's location.
enum Repo {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
    static var golden: URL { testsDirectory.appendingPathComponent("Golden") }
    static var samples: URL { testsDirectory.appendingPathComponent("Samples") }

    /// Every `.dcl` file below `directory` (sorted; empty if the directory is missing).
    static func dclFiles(under directory: URL) -> [URL] {
        guard let e = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { $0.pathExtension == "dcl" }.sorted { $0.path < $1.path }
    }

    /// Sample, example and standard-library programs: all must be valid.
    static var validPrograms: [URL] {
        dclFiles(under: samples) + dclFiles(under: root.appendingPathComponent("Examples"))
            + dclFiles(under: root.appendingPathComponent("StdLib"))
    }

    static func bytes(_ url: URL) -> [UInt8] { (try? Data(contentsOf: url)).map { [UInt8]($0) } ?? [] }

    /// A file's text; invalid UTF-8 (one golden file has some on purpose) is repaired.
    static func read(_ url: URL) -> String { String(decoding: bytes(url), as: UTF8.self) }

    static func relative(_ url: URL) -> String {
        url.path.hasPrefix(root.path + "/") ? String(url.path.dropFirst(root.path.count + 1)) : url.path
    }
}

/// Compares `actual` with the snapshot file at `url`; `DCL_UPDATE_SNAPSHOTS=1` rewrites it.
func expectSnapshot(_ actual: String, _ url: URL, sourceLocation: SourceLocation = #_sourceLocation) {
    if ProcessInfo.processInfo.environment["DCL_UPDATE_SNAPSHOTS"] == "1" {
        try? actual.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("missing snapshot \(Repo.relative(url)); run with DCL_UPDATE_SNAPSHOTS=1", sourceLocation: sourceLocation)
        return
    }
    #expect(actual == expected, "snapshot \(Repo.relative(url)) differs", sourceLocation: sourceLocation)
}

/// The formatter's contract on a valid program: the output parses cleanly, means the same (AST
/// dump), keeps every comment, and formats to itself. Returns the formatted text.
@discardableResult
func checkRoundTrip(_ text: String, name: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    let original = Parsed(text, path: name)
    guard original.errors.isEmpty else {
        Issue.record("\(name) has errors: \(original.described)", sourceLocation: sourceLocation)
        return nil
    }
    let once = Formatter.format(original.program, source: original.file)
    let reparsed = Parsed(once, path: name + " (formatted)")
    #expect(reparsed.described == [], "\(name): formatted output does not parse:\n\(once)", sourceLocation: sourceLocation)
    #expect(reparsed.dump == original.dump, "\(name): formatting changed the meaning:\n\(once)", sourceLocation: sourceLocation)
    let commentsBefore = original.program.comments.map { $0.text.trimmingCharacters(in: .whitespaces) }
    let commentsAfter = reparsed.program.comments.map { $0.text.trimmingCharacters(in: .whitespaces) }
    #expect(commentsAfter == commentsBefore, "\(name): comments lost or reordered:\n\(once)", sourceLocation: sourceLocation)
    let twice = Formatter.format(reparsed.program, source: reparsed.file)
    #expect(twice == once, "\(name): formatting is not idempotent:\n--- once\n\(once)--- twice\n\(twice)", sourceLocation: sourceLocation)
    return once
}
