// A pool imported from MovieLens files and read back by `store_pool` is the data set the files
// give to `movielens(…, movies: …)`: every column's values, the groups, the vocabularies and the
// genre names, in both stores — what makes a store-fed script print the file-fed one's bytes.

import DCLData
import DCLFleet
import DCLFleetPostgres
import DCLRuntime
import DCLTestScratch
import Foundation
import Testing

@Suite struct StorePoolDatasetTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/data/ml-latest-small")

    /// Off the cooperative threads: `store_pool` blocks its (interpreter) thread on the store.
    private static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    @Test(arguments: StoreKind.all) func aStoredPoolIsTheDataSetOfItsFiles(kind: StoreKind) async throws {
        let ratings = Self.examples.appendingPathComponent("ratings.csv").path, movies = Self.examples.appendingPathComponent("movies.csv").path
        var database: PostgresStoreURL?
        let spec: String
        switch kind {
        case .sqlite: spec = "sqlite:" + (try TestScratch.directory("store-pool").appendingPathComponent("pool.sqlite").path)
        case .postgres:
            database = try await TestPostgres.createDatabase()
            spec = database!.description
        }
        do {
            let columns = PoolColumns(rating: true, label: false, time: true, genres: true)
            let source = try RatingsPoolSource(ratings: ratings, layout: .movieLens, movies: movies)
            let store: any SamplePoolStore = spec.hasPrefix("sqlite:") ? try SQLiteFleetStore.open(spec: spec) : try await PostgresFleetStore.open(database!)
            _ = try await store.importPool(name: "ml-latest-small", kind: "movielens", source: "dir", columns: columns, from: source, replace: false, now: 0)
            if let pg = store as? PostgresFleetStore { await pg.close() }

            let stored = try await Self.offPool { try StorePool.dataset(name: "ml-latest-small", store: spec, threshold: 4.0) }
            let files = try DataLoader.movieLens(ratings: ratings, movies: movies, threshold: 4.0, labelDType: .float32)
            #expect(stored.columnNames == files.columnNames)
            for name in files.columnNames {
                let (a, b) = (try stored.column(name), try files.column(name))
                #expect(a.shape == b.shape && a.dtype == b.dtype, "\(name)")
                if a.dtype == .int32 { #expect(a.ints == b.ints, "\(name)") } else { #expect(a.floats == b.floats, "\(name)") }
            }
            #expect(stored.groups == files.groups && stored.groupKind == files.groupKind)
            #expect(stored.vocabularies == files.vocabularies && stored.featureNames == files.featureNames && stored.classCount == files.classCount)

            // A pool that is not there, named with the ones that are.
            do {
                _ = try await Self.offPool { try StorePool.dataset(name: "ml-25m", store: spec, threshold: 4.0) }
                Issue.record("a missing pool was read")
            } catch {
                #expect("\(error)".contains("no pool named `ml-25m` (it holds: ml-latest-small)"), "\(error)")
            }
        } catch {
            if let database { await TestPostgres.dropDatabase(database) }
            throw error
        }
        if let database { await TestPostgres.dropDatabase(database) }
    }
}
