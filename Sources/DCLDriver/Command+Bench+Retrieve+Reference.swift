// `dcl bench retrieve`'s other sides: the reference script run as a child on the bench's data,
// the agreement of its results with dcl's, and the report of all sides.

import DCLTensor
import Foundation

extension RetrieveBench {
    /// Writes the data, runs Scripts/reference/retrieve.py, and adds each reference it measured
    /// (with its agreement with `dcl`) to `report`. Anything missing becomes a note, not an error.
    func runReferences(items: [Float], queries qs: [Float], dcl: (scores: [Float], indices: [Int32]),
                       into report: inout RetrieveReport) throws {
        guard FileManager.default.isReadableFile(atPath: scriptPath) else {
            report.notes.append("cannot read \(scriptPath)\(root == "." ? " (run from the repository root or pass --root)" : ""): references not run")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dcl-retrieve-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFloats(items, to: "\(dir)/items.f32")
        try writeFloats(qs, to: "\(dir)/queries.f32")
        let run: ChildRun
        do {
            run = try ChildProcess.run(python, [scriptPath, "--items", "\(dir)/items.f32", "--queries", "\(dir)/queries.f32",
                                                "--dim", "\(dim)", "--top", "\(top)", "--latency-queries", "\(report.latencyQueries)",
                                                "--reps", "\(reps)", "--threads", "\(report.threads)", "--out", dir])
        } catch {
            report.notes.append("\(python) is not available (\(error)): numpy and faiss not run")
            return
        }
        let lines = run.stdout.split(separator: "\n")
        guard !run.signalled, run.status == 0, let line = lines.last(where: { $0.hasPrefix("{") }),
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            let tail = (run.stderr + run.stdout).split(separator: "\n").suffix(8).joined(separator: "\n")
            report.notes.append("\(python) \(scriptPath) failed (\(run.signalled ? "signal" : "status") \(run.status)):\n\(tail)")
            return
        }
        for module in object["missing"] as? [String] ?? [] {
            report.notes.append("python module \(module) is not installed (`pip install \(module == "faiss" ? "faiss-cpu" : module)`): its side not run")
        }
        for name in ["numpy", "faiss"] {
            guard let side = object[name] as? [String: Any], let batch = side["batch_s"] as? Double, let qps = side["qps"] as? Double else { continue }
            let threads = side["omp_threads"] as? Int ?? object["threads"] as? Int ?? report.threads
            var s = RetrieveSide(name: name, threads: threads, p50Ms: side["p50_ms"] as? Double, p99Ms: side["p99_ms"] as? Double,
                                 batchSeconds: batch, queriesPerSecond: qps)
            if let theirs = readResult("\(dir)/\(name)") {
                s.agreement = RetrieveAgreement(dcl: dcl, reference: theirs, top: top)
            } else {
                report.notes.append("\(name)'s results could not be read: agreement not checked")
            }
            if let v = object["\(name)_version"] as? String { s.version = v }
            report.references.append(s)
        }
    }

    func writeFloats(_ xs: [Float], to path: String) throws {
        try xs.withUnsafeBytes { raw in
            try Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: raw.baseAddress!), count: raw.count, deallocator: .none)
                .write(to: URL(fileURLWithPath: path))
        }
    }

    /// A reference's batched result: `<stem>.scores` (float32) and `<stem>.idx` (int64), Q × M.
    func readResult(_ stem: String) -> (scores: [Float], indices: [Int64])? {
        guard let s = FileManager.default.contents(atPath: stem + ".scores"), let i = FileManager.default.contents(atPath: stem + ".idx"),
              s.count == queries * top * 4, i.count == queries * top * 8 else { return nil }
        let scores = s.withUnsafeBytes { raw in (0..<(queries * top)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
        let indices = i.withUnsafeBytes { raw in (0..<(queries * top)).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) } }
        return (scores, indices)
    }
}

/// How a reference's top-M lists compare with dcl's, rank by rank.
struct RetrieveAgreement {
    /// Queries whose M indices are dcl's, in dcl's order.
    var identicalQueries = 0
    var queries = 0
    /// Ranks holding another index with the same score within rounding: a tie broken the other
    /// way, or near-equal scores that another summation order rounds apart.
    var tiedRanks = 0
    /// Ranks holding another index with a different score: a real disagreement.
    var mismatchedRanks = 0

    /// Scores within this relative distance count as the same (float32 sums of D products in
    /// another order differ by a few ulp; distinct top scores of random data are ~1e-2 apart).
    static let tolerance: Float = 1e-4

    init(dcl: (scores: [Float], indices: [Int32]), reference: (scores: [Float], indices: [Int64]), top: Int) {
        queries = dcl.indices.count / top
        for q in 0..<queries {
            var same = true
            for r in (q * top)..<((q + 1) * top) where Int64(dcl.indices[r]) != reference.indices[r] {
                same = false
                let a = dcl.scores[r], b = reference.scores[r]
                if (a.isNaN && b.isNaN) || abs(a - b) <= Self.tolerance * max(1, abs(a)) { tiedRanks += 1 } else { mismatchedRanks += 1 }
            }
            if same { identicalQueries += 1 }
        }
    }

    var agrees: Bool { mismatchedRanks == 0 }

    var summary: String {
        var s = "\(identicalQueries)/\(queries) queries identical"
        if tiedRanks > 0 { s += ", \(tiedRanks) ranks differ only among tied scores" }
        if mismatchedRanks > 0 { s += ", \(mismatchedRanks) RANKS DISAGREE" }
        return s
    }

    var fields: [String: Any] {
        ["agrees": agrees, "identical_queries": identicalQueries, "queries": queries, "tied_ranks": tiedRanks,
         "mismatched_ranks": mismatchedRanks]
    }
}

/// One side's measures (see Command+Bench+Retrieve.swift for their definitions).
struct RetrieveSide {
    var name: String
    var threads: Int
    var p50Ms: Double?
    var p99Ms: Double?
    var batchSeconds: Double
    var queriesPerSecond: Double
    var agreement: RetrieveAgreement?
    var version: String?

    var fields: [String: Any] {
        var f: [String: Any] = ["threads": threads, "batch_s": batchSeconds, "qps": queriesPerSecond]
        if let p = p50Ms { f["p50_ms"] = p }
        if let p = p99Ms { f["p99_ms"] = p }
        if let a = agreement { f["agreement"] = a.fields }
        if let v = version { f["version"] = v }
        return f
    }

    /// Speed-ups of `dcl` over this side: its time / dcl's (above 1, dcl is faster).
    func speedups(of dcl: RetrieveSide) -> [String: Double] {
        var r = ["throughput": dcl.queriesPerSecond / queriesPerSecond]
        if let a = p50Ms, let b = dcl.p50Ms, b > 0 { r["latency_p50"] = a / b }
        if let a = p99Ms, let b = dcl.p99Ms, b > 0 { r["latency_p99"] = a / b }
        return r
    }
}

struct RetrieveReport {
    var users, dim, top, queries, latencyQueries, threads: Int
    var dcl: RetrieveSide
    var references: [RetrieveSide] = []
    var notes: [String] = []

    init(users: Int, dim: Int, top: Int, queries: Int, latencyQueries: Int, threads: Int, dcl: RetrieveSide) {
        (self.users, self.dim, self.top, self.queries, self.latencyQueries, self.threads, self.dcl) =
            (users, dim, top, queries, latencyQueries, threads, dcl)
    }

    /// One JSON object: dcl's measures at the top level (and under "dcl"), each reference's
    /// under its name, and the speed-ups under "speedups" (reference time / dcl time).
    func json() -> String {
        var o: [String: Any] = ["bench": "retrieve", "users": users, "dim": dim, "top": top, "queries": queries,
                                "latency_queries": latencyQueries, "threads": threads, "dcl": dcl.fields, "notes": notes]
        for (k, v) in dcl.fields { o[k] = v }
        var speedups: [String: Any] = [:]
        for r in references {
            o[r.name] = r.fields
            speedups[r.name] = r.speedups(of: dcl)
        }
        if !speedups.isEmpty { o["speedups"] = speedups }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    func table() -> String {
        func cells(_ xs: [String]) -> String {
            zip(xs, [6, 8, 9, 9, 11]).enumerated().map { i, p in
                let pad = String(repeating: " ", count: max(0, p.1 - p.0.count))
                return i == 0 ? p.0 + pad : pad + p.0
            }.joined(separator: " ") + (xs.count > 5 ? "   " + xs[5] : "")
        }
        func ms(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "–" }
        func row(_ s: RetrieveSide) -> String {
            cells([s.name, "\(s.threads)", ms(s.p50Ms), ms(s.p99Ms), String(format: "%.0f", s.queriesPerSecond)]
                  + (s.agreement.map { [$0.summary] } ?? []))
        }
        var lines = ["retrieve: \(users) users × \(dim), top \(top); latency over \(latencyQueries) single queries, "
                     + "throughput over \(queries) queries at once; \(threads) threads",
                     cells(["side", "threads", "p50 ms", "p99 ms", "queries/s", "top-\(top) vs dcl"]), row(dcl)]
        lines += references.map(row)
        for r in references {
            let s = r.speedups(of: dcl)
            var parts = [String(format: "throughput %.2f×", s["throughput"]!)]
            if let a = s["latency_p50"], let b = s["latency_p99"] { parts.append(String(format: "latency p50 %.2f×, p99 %.2f×", a, b)) }
            lines.append("dcl vs \(r.name) (its time / dcl's): " + parts.joined(separator: ", "))
        }
        lines += notes.map { "note: " + $0 }
        return lines.joined(separator: "\n")
    }
}
