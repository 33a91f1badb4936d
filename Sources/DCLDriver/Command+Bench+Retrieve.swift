// `dcl bench retrieve`: coarse retrieval (exact top-M inner product over N user embeddings,
// `TopKSearch`) beside numpy brute force and faiss-cpu's exact IndexFlatIP in the same run
// (Scripts/reference/retrieve.py). A benchmark, not a test: timings depend on the machine and
// its load.
//
// Same data on every side: the bench draws the users and the queries from its seeded generator
// (standard normals, `--seed`) and writes them as raw float32 files into a temporary directory
// that the reference script reads. Same measures on every side:
//   latency     the first L queries searched one at a time (a warm-up pass, then a timed one):
//               p50 and p99 of the per-query times (linear interpolation, as numpy.percentile);
//   throughput  all Q queries in one call, `--reps` timed repetitions after a warm-up:
//               queries/s of the median repetition.
// The batched results of each reference are compared with dcl's rank by rank: the same index,
// or a different one with the same score within rounding (a tie broken differently, or two
// scores that a different summation order rounds apart).

import ArgumentParser
import DCLFleetPostgres
import DCLTensor
import Foundation

struct RetrieveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrieve",
        abstract: "Exact top-M inner-product retrieval over N users: p50/p99 latency and queries/s, beside numpy and faiss-cpu.",
        discussion: """
            Draws N users and Q queries (D floats each, seeded standard normals), times dcl's streaming top-M search \
            one query at a time (latency) and all queries at once (throughput), then runs \
            `python3 Scripts/reference/retrieve.py` on the same numbers (numpy brute force, faiss IndexFlatIP) and \
            checks that their top-M agree with dcl's. Speed-ups are reference time / dcl time (above 1, dcl is faster). \
            A missing python3, numpy or faiss is reported and dcl's own numbers are still printed. With \
            --postgres URL, the users are also published into that database (the cube extension, a GiST index) \
            and searched there by its nearest-neighbour scan; then every side searches unit vectors. See BENCHMARKS.md, \
            "Coarse retrieval".
            """)

    @Option(help: "Users in the pool (N).") var users = 100_000
    @Option(help: "Embedding dimension (D).") var dim = 16
    @Option(help: "Users returned per query (M).") var top = 50
    @Option(help: "Queries searched in one call for the throughput (Q).") var queries = 1000
    @Option(help: "Queries timed one at a time for the latency (the first L of the Q).") var latencyQueries = 200
    @Option(help: "Timed repetitions of the batched search; the median is reported.") var reps = 3
    @Option(help: "Threads for every side (default: the machine's cores).") var threads: Int?
    @Option(help: "Seed of the users and queries.") var seed: UInt64 = 0
    @Flag(help: "Measure dcl only.") var noReference = false
    @Option(help: "The Python interpreter for the references.") var python = "python3"
    @Option(help: "The repository root holding Scripts/reference (default: the current directory).") var root = "."
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: ArgumentHelp("Also search inside this PostgreSQL database with the cube extension's GiST index (users and queries normalised: cosine order).",
                               valueName: "url"))
    var postgres: String?
    @Option(help: ArgumentHelp("With --postgres: the queries PostgreSQL is timed on (latency and throughput), the first K of the Q.", valueName: "k"))
    var postgresQueries = 100

    func validate() throws {
        guard users >= 1, users <= 100_000_000 else { throw ValidationError("--users must be between 1 and 100000000 (got \(users))") }
        guard dim >= 1, dim <= 4096 else { throw ValidationError("--dim must be between 1 and 4096 (got \(dim))") }
        guard top >= 1, top <= users else { throw ValidationError("--top must be between 1 and --users (got \(top))") }
        guard queries >= 1, queries <= 1_000_000 else { throw ValidationError("--queries must be between 1 and 1000000 (got \(queries))") }
        guard latencyQueries >= 0 else { throw ValidationError("--latency-queries must not be negative") }
        guard reps >= 1, reps <= 100 else { throw ValidationError("--reps must be between 1 and 100 (got \(reps))") }
        let (floats, o1) = users.multipliedReportingOverflow(by: dim)
        let (results, o2) = queries.multipliedReportingOverflow(by: top)
        guard !o1, !o2, floats <= 1 << 30, results <= 1 << 28 else {
            throw ValidationError("--users × --dim must be at most 2^30 floats and --queries × --top at most 2^28")
        }
        try validateThreads(threads)
        if postgres != nil {
            guard dim <= 100 else { throw ValidationError("--postgres searches with the cube extension, which holds at most 100 dimensions (--dim \(dim))") }
            guard postgresQueries >= 1 else { throw ValidationError("--postgres-queries must be at least 1") }
        }
    }

    var scriptPath: String { "\(root)/Scripts/reference/retrieve.py" }

    func run() throws {
        let t = threads ?? ThreadPool.shared.threadCount
        ThreadPool.configureShared(threads: t)
        var rng = SeededGenerator(seed: seed)
        var items = (0..<(users * dim)).map { _ in Float(rng.nextNormal()) }
        var qs = (0..<(queries * dim)).map { _ in Float(rng.nextNormal()) }
        if postgres != nil {
            // cube's KNN is Euclidean: every side searches unit vectors, where it ranks as cosine
            // and inner product do.
            items = CubeRetrieval.normalized(items, dim: dim)
            qs = CubeRetrieval.normalized(qs, dim: dim)
        }
        let (side, result) = try measureDCL(items: items, queries: qs)
        var report = RetrieveReport(users: users, dim: dim, top: top, queries: queries,
                                    latencyQueries: min(latencyQueries, queries), threads: t, dcl: side)
        if noReference {
            report.notes.append("references not run (--no-reference)")
        } else {
            try runReferences(items: items, queries: qs, dcl: result, into: &report)
        }
        if let postgres {
            do {
                try runCube(url: postgres, items: items, queries: qs, dcl: result, into: &report)
            } catch {
                report.notes.append("postgres-cube not measured: \(error)")
            }
        }
        print(json ? report.json() : report.table())
    }

    /// dcl's latency and throughput, and its batched result (for the agreement check).
    func measureDCL(items: [Float], queries qs: [Float]) throws -> (RetrieveSide, (scores: [Float], indices: [Int32])) {
        let pool = ThreadPool.shared
        var s = [Float](repeating: 0, count: queries * top), ix = [Int32](repeating: 0, count: queries * top)
        var latencies: [Double] = [], times: [Double] = []
        try items.withUnsafeBufferPointer { ip in
            try qs.withUnsafeBufferPointer { qp in
                func search(first: Int, count: Int) throws {
                    try TopKSearch.search(queries: qp.baseAddress! + first * dim, queryCount: count, items: ip.baseAddress!,
                                          itemCount: users, dim: dim, top: top, scores: &s, indices: &ix, pool: pool)
                }
                for timed in [false, true] {
                    for i in 0..<min(latencyQueries, queries) {
                        let t0 = ChildProcess.monotonicSeconds()
                        try search(first: i, count: 1)
                        if timed { latencies.append((ChildProcess.monotonicSeconds() - t0) * 1e3) }
                    }
                }
                // The batched search last, so that `s` and `ix` end up holding its result.
                try search(first: 0, count: queries)
                for _ in 0..<reps {
                    let t0 = ChildProcess.monotonicSeconds()
                    try search(first: 0, count: queries)
                    times.append(ChildProcess.monotonicSeconds() - t0)
                }
            }
        }
        let batch = median(times)
        let side = RetrieveSide(name: "dcl", threads: pool.threadCount, p50Ms: percentile(latencies, 50),
                                p99Ms: percentile(latencies, 99), batchSeconds: batch, queriesPerSecond: Double(queries) / batch)
        return (side, (s, ix))
    }
}

/// The p-th percentile of `xs` by linear interpolation between order statistics (numpy's
/// default), or nil for no samples.
func percentile(_ xs: [Double], _ p: Double) -> Double? {
    if xs.isEmpty { return nil }
    let s = xs.sorted()
    let rank = p / 100 * Double(s.count - 1)
    let lo = Int(rank.rounded(.down)), hi = min(s.count - 1, lo + 1)
    return s[lo] + (s[hi] - s[lo]) * (rank - Double(lo))
}
