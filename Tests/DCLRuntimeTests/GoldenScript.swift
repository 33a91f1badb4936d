// A golden script states what it must do in its own comments; `GoldenScriptTests` runs every
// `Golden/*.dcl` and compares. The annotations:
//
//     print 1 + 2                      // expect: 3
//     print xs[5]                      // expect error[E0503]: index 5 is out of range for 2 elements
//     return f(x)                      // expect label: in `f`, called here
//     // expect note: …                   (a note of the error, anywhere in the file)
//     // expect help: …                   (the error's hint)
//     // expect error[E0301] in std/vision.dcl: …   (an error whose primary place is another file)
//     // mode: check                       (evaluate as `dcl check` does: no effects, no output)
//     // seed: 7                           (the run's seed; 0 by default)
//
// `expect:` lines are the printed output, in order (a print of several lines takes several).
// An `expect error` written after code on a line must be reported at that line; written
// alone with `in FILE`, it names the file its primary span must be in. At most one error is
// expected per script (a run stops at its first); labels, notes and help belong to it.

import DCLDiagnostics
import Foundation

struct GoldenScript {
    struct ExpectedError: Equatable {
        var code: String
        var message: String
        /// 1-based line in the script itself, or nil when the error lies in `file`.
        var line: Int?
        var file: String?
    }

    struct ExpectedLabel: Equatable {
        var line: Int
        var message: String
    }

    let name: String
    let text: String
    var checkMode = false
    var seed: UInt64 = 0
    var output: [String] = []
    var error: ExpectedError?
    var labels: [ExpectedLabel] = []
    var notes: [String] = []
    var help: String?

    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    init(name: String, text: String) throws {
        self.name = name
        self.text = text
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            guard let comment = line.range(of: "// ") else { continue }
            let body = String(line[comment.upperBound...])
            let standalone = line[..<comment.lowerBound].allSatisfy(\.isWhitespace)
            func fail(_ why: String) -> FormatError { FormatError(description: "\(name):\(lineNumber): \(why)") }
            if body.hasPrefix("mode: ") {
                guard body == "mode: check" else { throw fail("the only mode is `check`") }
                checkMode = true
            } else if body.hasPrefix("seed: ") {
                guard let s = UInt64(body.dropFirst(6)) else { throw fail("`seed:` takes a non-negative integer") }
                seed = s
            } else if body == "expect:" || body.hasPrefix("expect: ") {
                output.append(String(body.dropFirst(body == "expect:" ? 7 : 8)))
            } else if body.hasPrefix("expect error[") {
                guard error == nil else { throw fail("one expected error per script") }
                error = try Self.parseError(body, line: standalone ? nil : lineNumber, fail: fail)
            } else if body.hasPrefix("expect label: ") {
                guard !standalone else { throw fail("`expect label:` goes after the code its label points at") }
                labels.append(ExpectedLabel(line: lineNumber, message: String(body.dropFirst(14))))
            } else if body.hasPrefix("expect note: ") {
                notes.append(String(body.dropFirst(13)))
            } else if body.hasPrefix("expect help: ") {
                help = String(body.dropFirst(13))
            } else if body.hasPrefix("expect") {
                throw fail("unknown annotation `\(body.prefix(20))…`")
            }
        }
        if error == nil, !labels.isEmpty || !notes.isEmpty || help != nil {
            throw FormatError(description: "\(name): labels, notes and help need an `expect error`")
        }
    }

    /// `expect error[CODE]: MESSAGE` or `expect error[CODE] in FILE: MESSAGE`.
    private static func parseError(_ body: String, line: Int?, fail: (String) -> FormatError) throws -> ExpectedError {
        let rest = body.dropFirst("expect error[".count)
        guard let close = rest.firstIndex(of: "]"), let colon = rest[close...].range(of: ": ") else {
            throw fail("write `expect error[E0000]: message`")
        }
        let code = String(rest[..<close])
        let between = rest[rest.index(after: close)..<colon.lowerBound]
        let message = String(rest[colon.upperBound...])
        if between.isEmpty {
            guard line != nil else { throw fail("an `expect error` alone on its line names its file: `expect error[E0000] in std/x.dcl: …`") }
            return ExpectedError(code: code, message: message, line: line, file: nil)
        }
        guard between.hasPrefix(" in "), line == nil else { throw fail("write `expect error[E0000] in FILE: message` on a line of its own") }
        return ExpectedError(code: code, message: message, line: nil, file: String(between.dropFirst(4)))
    }

    /// Every difference between what the script was expected to do and what it did.
    func differences(output actual: [String], diagnostics: [Diagnostic], sources: SourceManager) -> [String] {
        var out: [String] = []
        if actual != output {
            out.append("output differs:\n  expected: \(output)\n  actual:   \(actual)")
        }
        let errors = diagnostics.filter { $0.severity == .error }
        guard let want = error else {
            for d in errors { out.append("unexpected \(describe(d, sources))") }
            return out
        }
        guard let d = errors.first else { return out + ["expected error[\(want.code)]: \(want.message) — the script succeeded"] }
        if errors.count > 1 { out.append("expected one error, found \(errors.count): " + errors.map { describe($0, sources) }.joined(separator: "; ")) }
        let place = sources.location(of: d.span)
        if d.code != want.code || d.message != want.message {
            out.append("expected error[\(want.code)]: \(want.message)\n  found \(describe(d, sources))")
        }
        if let line = want.line, place?.path.hasSuffix("/main.dcl") != true || place?.position.line != line {
            out.append("expected the error at line \(line) of the script, found it at \(locationText(d.span, sources))")
        }
        if let file = want.file, place?.path.hasSuffix(file) != true {
            out.append("expected the error in \(file), found it at \(locationText(d.span, sources))")
        }
        let actualLabels = d.labels.compactMap { l -> ExpectedLabel? in
            guard let p = sources.location(of: l.span), p.path.hasSuffix("/main.dcl") else { return nil }
            return ExpectedLabel(line: p.position.line, message: l.message)
        }
        if actualLabels != labels {
            out.append("labels differ:\n  expected: \(labels.map { "\($0.line): \($0.message)" })\n  actual:   \(actualLabels.map { "\($0.line): \($0.message)" })")
        }
        if d.notes != notes { out.append("notes differ:\n  expected: \(notes)\n  actual:   \(d.notes)") }
        if d.hint != help { out.append("help differs:\n  expected: \(help ?? "none")\n  actual:   \(d.hint ?? "none")") }
        return out
    }

    private func describe(_ d: Diagnostic, _ sources: SourceManager) -> String {
        "error[\(d.code)] at \(locationText(d.span, sources)): \(d.message)"
    }

    private func locationText(_ span: SourceSpan, _ sources: SourceManager) -> String {
        guard let p = sources.location(of: span) else { return "no place" }
        return "\(p.path):\(p.position.line):\(p.position.column)"
    }
}
