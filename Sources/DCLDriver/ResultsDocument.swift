// The contents of `dcl run --out DIR`: results.json and the CSV files, built from what the runs
// recorded. results.json holds, in this order: the dcl version, the script's path and the
// SHA-256 of its text, the `--set` params, the seeds, threads and wall time, then `runs` (one
// per seed: its tables, cells as values, its printed records, and every printed line as text)
// and, with `--seeds`, `aggregate` (each table once: a number that varied is {mean, ci95,
// values}; the closing summary's lines; and each claim's verdict).

import DCLCompiler
import DCLExport
import DCLSema
import Foundation

struct ResultsDocument {
    let script: String
    /// The script's text, hashed for results.json (imports are not included).
    let scriptText: Data
    /// `--set` values in the script's param order.
    let params: [(String, ScriptParamValue)]
    let threads: Int
    let wallSeconds: Double
    let runs: [SeedRun]
    /// With `--seeds`: the tables folded over the seeds.
    let aggregate: [AggregatedTable]?
    /// With `--seeds`: the closing summary, one entry per `print` (nil when the prints did
    /// not line up across seeds).
    var summary: [String]? = nil

    /// results.json and one CSV per table: each seed's tables for a single run, the aggregated
    /// ones with `--seeds`.
    func files() -> [(String, Data)] {
        var files: [(String, Data)] = []
        var csvNames: [String] = []
        if let agg = aggregate {
            csvNames = ResultsFiles.slugs(agg.map(\.title)).map { $0 + ".csv" }
            for (name, t) in zip(csvNames, agg) { files.append((name, ResultsFiles.csv(t))) }
        } else if let run = runs.first {
            csvNames = ResultsFiles.slugs(run.tables.map(\.title)).map { $0 + ".csv" }
            for (name, t) in zip(csvNames, run.tables) { files.append((name, ResultsFiles.csv(t))) }
        }
        let json = document(csvNames: csvNames).rendered() + "\n"
        return [("results.json", Data(json.utf8))] + files
    }

    func document(csvNames: [String]) -> ResultJSON {
        var top: [(String, ResultJSON)] = [
            ("dcl_version", .string(dclVersion)),
            ("script", .string(script)),
            ("script_sha256", .string(SHA256.hexDigest(scriptText))),
            ("params", .object(params.map { ($0.0, Self.json($0.1)) })),
            ("seeds", .array(runs.map { Self.seed($0.seed) })),
            ("threads", .int(threads)),
            ("wall_seconds", .number(wallSeconds)),
        ]
        let tableCSV: (Int) -> String? = { i in aggregate == nil && i < csvNames.count ? csvNames[i] : nil }
        top.append(("runs", .array(runs.map { run in
            .object([
                ("seed", Self.seed(run.seed)),
                ("wall_seconds", .number(run.seconds)),
                ("tables", .array(run.tables.enumerated().map { i, t in Self.json(t, csv: tableCSV(i)) })),
                ("records", .array(run.records.map { r in
                    .object([("label", .string(r.label)), ("line", .string(r.line)), ("values", ResultJSON(r.value))])
                })),
                ("claims", .array(run.claims.map { c in
                    .object([("statement", .string(c.statement)), ("direction", .string(c.direction.rawValue)),
                             ("value", .number(c.value)), ("other", .number(c.other))])
                })),
                // Everything the run printed, as text: numbers a script prints only inside
                // sentences are here too.
                ("printed", .array(run.printed.map { item in
                    switch item {
                    case .line(let l), .claim(let l): return .string(l)
                    case .table(let i): return .string(i < run.tables.count ? run.tables[i].text : "")
                    }
                })),
            ])
        })))
        if let agg = aggregate {
            top.append(("aggregate", .object([
                ("interval", .string("95% Student t: mean ± t(0.975, n-1) · s / √n over the seeds")),
                ("tables", .array(agg.enumerated().map { i, t in Self.json(t, csv: i < csvNames.count ? csvNames[i] : nil) })),
                ("printed", summary.map { .array($0.map(ResultJSON.string)) } ?? .null),
                ("claims", ClaimVerdict.judge(runs).map { vs in .array(vs.map(Self.json)) } ?? .null),
            ])))
        }
        return .object(top)
    }

    static func json(_ v: ClaimVerdict) -> ResultJSON {
        .object([
            ("statement", .string(v.statement)), ("direction", .string(v.direction.rawValue)), ("verdict", .string(v.outcome.rawValue)),
            ("value", .object([("mean", .number(v.mean)), ("ci95", .number(v.halfWidth)), ("values", .array(v.values.map(ResultJSON.number)))])),
            ("other", .object([("mean", .number(v.otherMean)), ("ci95", .number(v.otherHalfWidth)), ("values", .array(v.others.map(ResultJSON.number)))])),
        ])
    }

    /// Seeds are UInt64; above Int.max they are written as text rather than wrapped.
    static func seed(_ s: UInt64) -> ResultJSON { s <= UInt64(Int.max) ? .int(Int(s)) : .string(String(s)) }

    static func json(_ p: ScriptParamValue) -> ResultJSON {
        switch p {
        case .int(let n): return .int(n)
        case .float(let f): return .number(f)
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        }
    }

    static func json(_ t: BuiltTable, csv: String?) -> ResultJSON {
        var fields: [(String, ResultJSON)] = [
            ("title", t.title.map(ResultJSON.string) ?? .null),
            ("columns", .array(t.columns.map(ResultJSON.string))),
            ("digits", .int(t.digits)),
            ("rows", .array(t.rows.map { .array($0.map { ResultJSON($0) }) })),
        ]
        if let csv { fields.append(("csv", .string(csv))) }
        return .object(fields)
    }

    static func json(_ t: AggregatedTable, csv: String?) -> ResultJSON {
        var fields: [(String, ResultJSON)] = [
            ("title", t.title.map(ResultJSON.string) ?? .null),
            ("columns", .array(t.columns.map(ResultJSON.string))),
            ("digits", .int(t.digits)),
            ("rows", .array(t.rows.map { row in .array(row.map { cell in
                switch cell {
                case .same(let v): return ResultJSON(v)
                case .varied(let values, let mean, let h):
                    return .object([("mean", .number(mean)), ("ci95", .number(h)), ("values", .array(values.map(ResultJSON.number)))])
                }
            }) })),
        ]
        if let csv { fields.append(("csv", .string(csv))) }
        return .object(fields)
    }
}
