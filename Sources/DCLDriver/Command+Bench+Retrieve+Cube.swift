// `dcl bench retrieve --postgres URL`: the same search inside PostgreSQL — the users published
// into a pool's `cube` GiST index (PostgresFleetStore+PoolRetrieval.swift) and searched by its
// nearest-neighbour scan — measured beside dcl's TopKSearch on the same unit vectors. Latency:
// the first K queries one statement each (a warm-up pass, then a timed one); throughput: the K
// queries in one statement, `--reps` times, the median. Publishing (rows and index) is timed
// apart: it is paid once per model, not per query.

import DCLFleet
import DCLFleetPostgres
import Foundation

/// N users with ids 0..<N and no samples: the bench's pool, which holds only embeddings.
private final class UsersOnly: PoolSampleSource, @unchecked Sendable {
    let users: Int
    init(users: Int) { self.users = users }
    func nextBatch() throws -> PoolBatch? { nil }
    func vocabularies() throws -> PoolVocabularies { PoolVocabularies(users: (0..<users).map(Int64.init), items: [], itemGenres: nil) }
}

extension RetrieveBench {
    static let cubePool = "dcl-bench-retrieve"

    func runCube(url: String, items: [Float], queries qs: [Float], dcl: (scores: [Float], indices: [Int32]), into report: inout RetrieveReport) throws {
        try CubeRetrieval.checkDimensions(dim)
        let k = min(postgresQueries, queries)
        let (users, dim, top, reps) = (self.users, self.dim, self.top, self.reps)
        let store = try blocking { try await PostgresFleetStore.open(spec: url) }
        defer { try? blocking { await store.close() } }

        let t0 = ChildProcess.monotonicSeconds()
        _ = try blocking {
            try await store.importPool(name: Self.cubePool, kind: "bench", source: "dcl bench retrieve", columns: PoolColumns(rating: false, label: false, time: false, genres: false),
                                       from: UsersOnly(users: users), replace: true, now: Date().timeIntervalSince1970)
        }
        try blocking { try await store.publishEmbeddings(pool: Self.cubePool, embeddings: items, dim: dim) }
        let publish = ChildProcess.monotonicSeconds() - t0

        var latencies: [Double] = []
        for timed in [false, true] {
            for i in 0..<min(latencyQueries, k) {
                let q = Array(qs[(i * dim)..<((i + 1) * dim)])
                let s = ChildProcess.monotonicSeconds()
                _ = try blocking { try await store.nearestUsers(pool: Self.cubePool, queries: q, dim: dim, top: top) }
                if timed { latencies.append((ChildProcess.monotonicSeconds() - s) * 1e3) }
            }
        }
        let batch = Array(qs[0..<(k * dim)])
        var result: [[CubeNeighbour]] = []
        var times: [Double] = []
        for _ in 0...reps {
            let s = ChildProcess.monotonicSeconds()
            result = try blocking { try await store.nearestUsers(pool: Self.cubePool, queries: batch, dim: dim, top: top) }
            times.append(ChildProcess.monotonicSeconds() - s)
        }
        times.removeFirst()  // the warm-up
        let seconds = median(times)
        var side = RetrieveSide(name: "postgres-cube", threads: 1, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99),
                                batchSeconds: seconds, queriesPerSecond: Double(k) / seconds)
        side.agreement = RetrieveAgreement(dcl: (Array(dcl.scores[0..<(k * top)]), Array(dcl.indices[0..<(k * top)])),
                                           reference: (result.flatMap { $0.map(\.cosine) }, result.flatMap { $0.map { Int64($0.user) } }), top: top)
        report.references.append(side)
        report.notes.append(String(format: "postgres-cube: publishing %d users (rows and GiST index) took %.1f s; its latency and throughput are over the first %d queries (--postgres-queries), one backend",
                                   users, publish, k))
    }
}
