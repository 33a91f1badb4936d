// `dcl run --profile`: after the run (or where an error stopped it), a report on standard error —
// so the script's own output on standard output is byte-for-byte what it is without the flag —
// of where the time and memory went: the run's wall time and peak resident memory, then the
// script's constructs by self time (ScriptProfiler) and the primitive ops by time (OpProfiler).
// Each table lists its top rows, folds the rest into one "… N more" line, and closes with the
// time outside its rows, so each table's percentages add up to the whole run.

import DCLCompiler
import DCLDiagnostics
import DCLGraph
import Foundation

struct ProfileReport {
    let wallNanoseconds: UInt64
    let peakResidentKiB: Int
    let threads: Int
    /// nil: the run completed; otherwise what stopped it.
    let stoppedBy: String?
    let script: [ScriptProfiler.Row]
    let ops: [OpProfiler.Entry]
    let sources: SourceManager
    /// Rows shown per table before the rest are folded into one line.
    var limit = 15

    func render() -> String {
        var out = "\nprofile: \(stoppedBy.map { "partial — the run stopped at \($0)" } ?? "run completed"); "
        out += "wall \(Self.seconds(wallNanoseconds)), peak RSS \(Self.mebibytes(peakResidentKiB)), \(threads) thread\(threads == 1 ? "" : "s")\n\n"
        out += "time by statement (self time: a function's or declaration's own time is its own row)\n"
        out += table(header: ["where", "what", "calls", "total ms", "% of run", "peak +MiB"],
                     rows: script.map { r in
                         [location(r.span), excerpt(r), "\(r.calls)", Self.ms(r.selfNanoseconds), percent(r.selfNanoseconds),
                          r.kind == .function ? "" : String(format: "%.1f", Double(r.peakGrowthKiB) / 1024)]
                     },
                     calls: script.map(\.calls), times: script.map(\.selfNanoseconds),
                     outside: "(outside statements: between statements, the run's own set-up)", textColumns: 2)
        out += "\ntime by primitive op (kernels run by compiled plans: training, evaluation, inference)\n"
        out += table(header: ["op", "calls", "total ms", "% of run"],
                     rows: ops.map { [$0.op, "\($0.calls)", Self.ms($0.nanoseconds), percent($0.nanoseconds)] },
                     calls: ops.map(\.calls), times: ops.map(\.nanoseconds),
                     outside: "(outside ops: interpreter, data, plan building)", textColumns: 1)
        return out
    }

    /// The first `limit` rows, a "… N more" line for the rest, and the run's time outside every
    /// row. `textColumns`: how many text columns come before `calls`, `total ms` and `% of run`.
    func table(header: [String], rows: [[String]], calls: [Int], times: [UInt64], outside: String, textColumns: Int) -> String {
        var lines = [header]
        lines += rows.prefix(limit)
        let pad = Array(repeating: "", count: textColumns - 1)
        if rows.count > limit {
            let rest = times.dropFirst(limit).reduce(0, &+)
            lines.append(["… \(rows.count - limit) more"] + pad + ["\(calls.dropFirst(limit).reduce(0, +))", Self.ms(rest), percent(rest)])
        }
        let inside = times.reduce(0, &+)
        let rest = wallNanoseconds > inside ? wallNanoseconds - inside : 0
        lines.append([outside] + pad + ["", Self.ms(rest), percent(rest)])
        return Self.align(lines, numericFrom: textColumns)
    }

    /// Columns padded to their widest cell; from column `numericFrom` on, right-aligned.
    static func align(_ lines: [[String]], numericFrom: Int) -> String {
        let columns = lines.map(\.count).max() ?? 0
        var width = Array(repeating: 0, count: columns)
        for l in lines { for (i, c) in l.enumerated() { width[i] = max(width[i], c.count) } }
        return lines.map { l in
            let cells = l.enumerated().map { i, c in
                let gap = String(repeating: " ", count: max(0, width[i] - c.count))
                return i >= numericFrom ? gap + c : c + gap
            }
            return "  " + cells.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }.joined()
    }

    func location(_ span: SourceSpan) -> String {
        guard let f = sources.file(span.file) else { return "?" }
        return "\((f.path as NSString).lastPathComponent):\(f.lineColumn(of: Int(span.start)).line)"
    }

    /// The first line of the construct, whitespace collapsed, cut at 44 characters.
    func excerpt(_ r: ScriptProfiler.Row) -> String {
        guard let f = sources.file(r.span.file) else { return "" }
        let line = f.lineText(f.lineIndex(of: Int(r.span.start)))
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        return words.count > 44 ? String(words.prefix(43)) + "…" : words
    }

    func percent(_ ns: UInt64) -> String {
        wallNanoseconds == 0 ? "0.0" : String(format: "%.1f", Double(ns) / Double(wallNanoseconds) * 100)
    }

    static func ms(_ ns: UInt64) -> String { String(format: "%.1f", Double(ns) / 1e6) }
    static func seconds(_ ns: UInt64) -> String { String(format: "%.2f s", Double(ns) / 1e9) }
    static func mebibytes(_ kib: Int) -> String { String(format: "%.1f MiB", Double(kib) / 1024) }
}

extension ProfileReport {
    /// `file.dcl:12` for an error's span (the run's stopping point).
    static func place(_ span: SourceSpan, in sources: SourceManager) -> String {
        guard let f = sources.file(span.file) else { return "an error" }
        return "\((f.path as NSString).lastPathComponent):\(f.lineColumn(of: Int(span.start)).line)"
    }
}
