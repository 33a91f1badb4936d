// `store_pool(NAME, store: URL, threshold: T)`: a sample pool imported with `dcl pool import`,
// read back from a store (sqlite:PATH or postgres://…) as the data set its files give
// (SamplePoolData.swift). A store's pools outlive a run, so `memory` is refused.

import DCLData
import DCLFleet
import DCLFleetPostgres
import Foundation

public enum StorePool {
    /// Opens the store `spec` names for its pools; `resolve` turns a relative sqlite PATH into the
    /// file meant (a script's paths resolve against its folder). An absent SQLite file is an error
    /// here, not a new empty store.
    public static func open(_ spec: String, resolve: (String) -> String = { $0 }) throws -> (store: any SamplePoolStore, close: @Sendable () -> Void) {
        if PostgresStoreURL.names(spec) {
            let url = try PostgresStoreURL(spec)
            let store = try blocking { try await PostgresFleetStore.open(url) }
            return (store, { try? blocking { await store.close() } })
        }
        guard spec.hasPrefix("sqlite:"), spec.count > "sqlite:".count else {
            throw FleetError.store("bad pool store `\(spec)`: expected sqlite:PATH or postgres://USER@HOST:PORT/DATABASE (a memory store holds no pools)")
        }
        let given = String(spec.dropFirst("sqlite:".count)), path = resolve(given)
        guard FileManager.default.fileExists(atPath: path) else {
            let relative = path != given ? "; a relative sqlite:PATH is read from the script's folder" : ""
            throw FleetError.store("no store file at \(path) (import a pool into it first: dcl pool import … --store sqlite:PATH\(relative))")
        }
        return (try SQLiteFleetStore(path: path), {})
    }

    /// The pool `name` of the store `spec` as a data set.
    public static func dataset(name: String, store spec: String, threshold: Float, resolve: (String) -> String = { $0 }) throws -> Dataset {
        let (store, close) = try open(spec, resolve: resolve)
        defer { close() }
        let read: PoolContents? = try blocking { try await store.readPool(name: name) }
        guard let pool = read else {
            let names = ((try? blocking { try await store.pools() }) ?? []).map(\.name)
            throw FleetError.store("the store holds no pool named `\(name)`" + (names.isEmpty ? " (it holds none)" : " (it holds: \(names.joined(separator: ", ")))"))
        }
        let s = pool.samples, c = pool.summary.columns
        return try DataLoader.samplePool(name: name, user: s.user, item: s.item, rating: c.rating ? s.rating : nil, label: c.label ? s.label : nil,
                                         time: c.time ? s.time : nil, users: pool.vocabularies.users, items: pool.vocabularies.items,
                                         itemGenres: pool.vocabularies.itemGenres, threshold: threshold)
    }
}

/// A ratings file as an import's samples, a batch at a time; genres from movies.csv at the end.
/// (@unchecked Sendable: an import uses it from one task at a time.)
public final class RatingsPoolSource: PoolSampleSource, @unchecked Sendable {
    private let stream: RatingsStream
    private let movies: String?

    public init(ratings: String, layout: RatingsLayout, movies: String?) throws {
        stream = try RatingsStream(path: ratings, layout: layout)
        self.movies = movies
    }

    public func nextBatch() throws -> PoolBatch? {
        guard let b = try stream.next(limit: SamplePoolRules.batchRows) else { return nil }
        var batch = PoolBatch()
        batch.user = b.user
        batch.item = b.item
        batch.rating = b.rating
        batch.label = b.label
        batch.time = b.time
        return batch
    }

    public func vocabularies() throws -> PoolVocabularies {
        let genres = try movies.map { try DataLoader.itemGenres(movies: $0, ratings: stream.path, items: stream.items) }
        return PoolVocabularies(users: stream.users.ids, items: stream.items.ids, itemGenres: genres)
    }
}
