// Coarse retrieval inside PostgreSQL (the cube extension's GiST nearest-neighbour scan) finds the
// users the engine's TopKSearch finds on the same unit vectors, in the same order, ties to the
// lower user index; more than cube's 100 dimensions is refused with a clear error.

import DCLTensor
import Foundation
import Testing
@testable import DCLFleet
@testable import DCLFleetPostgres

@Suite struct CubeRetrievalTests {
    /// N users with ids 0..<N and no samples.
    final class Users: PoolSampleSource {
        let n: Int
        init(_ n: Int) { self.n = n }
        func nextBatch() throws -> PoolBatch? { nil }
        func vocabularies() throws -> PoolVocabularies { PoolVocabularies(users: (0..<n).map(Int64.init), items: [], itemGenres: nil) }
    }

    @Test(.enabled(if: TestPostgres.serverURL != nil || TestPostgres.required)) func agreesWithTopKSearch() async throws {
        let url = try await TestPostgres.createDatabase()
        let store = try await PostgresFleetStore.open(url)
        do {
            let (n, dim, top) = (1500, 8, 12)
            var rng = SeededGenerator(seed: 7)
            var users = (0..<(n * dim)).map { _ in Float(rng.nextNormal()) }
            // Exact ties: users 900 and 40 and 41 point the same way as user 5 (40 at twice its
            // length: the same direction), so they tie with it whatever the query.
            for j in 0..<dim {
                users[900 * dim + j] = users[5 * dim + j]
                users[40 * dim + j] = 2 * users[5 * dim + j]
                users[41 * dim + j] = users[5 * dim + j]
            }
            var queries = (0..<(20 * dim)).map { _ in Float(rng.nextNormal()) }
            for j in 0..<dim { queries[j] = users[5 * dim + j] }  // query 0 is user 5 itself
            _ = try await store.importPool(name: "u", kind: "bench", source: "test", columns: PoolColumns(rating: false, label: false, time: false, genres: false),
                                           from: Users(n), replace: false, now: 0)
            try await store.publishEmbeddings(pool: "u", embeddings: users, dim: dim)
            let found = try await store.nearestUsers(pool: "u", queries: queries, dim: dim, top: top)

            let unitUsers = CubeRetrieval.normalized(users, dim: dim), unitQueries = CubeRetrieval.normalized(queries, dim: dim)
            let engine = try TopKSearch.search(queries: unitQueries, items: unitUsers, dim: dim, top: top)
            #expect(found.count == 20)
            for q in 0..<20 {
                #expect(found[q].count == top)
                for r in 0..<top {
                    let (a, b) = (engine.indices[q * top + r], found[q][r].user)
                    // Float32 sums against double distances: only scores equal within rounding may swap.
                    if a != b { #expect(abs(engine.scores[q * top + r] - found[q][r].cosine) < 1e-5, "query \(q) rank \(r): \(a) vs \(b)") }
                    #expect(abs(engine.scores[q * top + r] - found[q][r].cosine) < 1e-4)
                }
            }
            // The four users pointing like user 5 come first for query 0, by index.
            #expect(found[0].prefix(4).map(\.user) == [5, 40, 41, 900])
            #expect(Array(engine.indices.prefix(4)) == [5, 40, 41, 900])

            // A replaced pool drops its index with it; cube's limit is refused before anything is sent.
            await #expect(throws: FleetError.self) { try await store.publishEmbeddings(pool: "u", embeddings: [Float](repeating: 1, count: n * 101), dim: 101) }
            do {
                _ = try await store.nearestUsers(pool: "u", queries: [Float](repeating: 1, count: 101), dim: 101, top: 1)
                Issue.record("101 dimensions were accepted")
            } catch {
                #expect("\(error)".contains("the cube extension holds at most 100 dimensions, these embeddings have 101"), "\(error)")
            }
        } catch {
            await store.close()
            await TestPostgres.dropDatabase(url)
            throw error
        }
        await store.close()
        await TestPostgres.dropDatabase(url)
    }
}
