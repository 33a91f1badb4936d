// Sample pools in the PostgreSQL store: an import is one transaction whose samples go in
// batches, each batch one `INSERT … SELECT FROM unnest(arrays)` statement (one round trip and
// one parse per 10,000 rows, the binary array encoding of PostgresNIO), so a refused or failed
// import leaves the database as it was, a replaced pool included.

import DCLFleet
import NIOCore
import PostgresNIO

/// The import's source, used by the one task the transaction runs in (never concurrently). It
/// keeps the source's error (a bad row, with its file, line and column), so that error reaches
/// the caller as it is rather than as the store's.
private final class SourceBox: @unchecked Sendable {
    private let source: PoolSampleSource
    private(set) var failure: (any Error)?
    init(_ source: PoolSampleSource) { self.source = source }

    func nextBatch() throws -> PoolBatch? {
        do { return try source.nextBatch() } catch { failure = error; throw error }
    }

    func vocabularies() throws -> PoolVocabularies {
        do { return try source.vocabularies() } catch { failure = error; throw error }
    }
}

extension PostgresFleetStore: SamplePoolStore {
    /// An import or a read of millions of rows may take minutes: not bound by the deadline of a
    /// service's operation (a server that goes away still ends it, with the connection).
    static let poolDeadline: Duration = .seconds(24 * 3600)

    public func importPool(name: String, kind: String, source: String, columns: PoolColumns, from samples: PoolSampleSource,
                           replace: Bool, now: Double) async throws -> PoolSummary {
        try SamplePoolRules.checkName(name)
        let samples = SourceBox(samples)
        do {
            return try await importPool(name: name, kind: kind, source: source, columns: columns, from: samples, replace: replace, now: now)
        } catch {
            throw samples.failure ?? error
        }
    }

    private func importPool(name: String, kind: String, source: String, columns: PoolColumns, from samples: SourceBox,
                            replace: Bool, now: Double) async throws -> PoolSummary {
        try await transaction(deadline: Self.poolDeadline) { conn in
            // Two importers of one name queue here instead of failing on the unique name.
            try await conn.exec("LOCK TABLE pools IN SHARE ROW EXCLUSIVE MODE")
            if let old = try await conn.rows("SELECT id FROM pools WHERE name = \(name)").decode(Int64.self).array().first {
                guard replace else { throw FleetError.store("the store holds a pool named `\(name)` already (--replace replaces it)") }
                try await Self.deletePool(old, conn)
            }
            let pool = try await Self.one(conn.rows("""
                INSERT INTO pools (name, kind, source, has_rating, has_label, has_time, has_genres, samples, users, items, created_at)
                VALUES (\(name), \(kind), \(source), \(columns.rating), \(columns.label), \(columns.time), \(columns.genres), 0, 0, 0, \(now))
                RETURNING id
                """).decode(Int64.self))
            var count = 0
            while let batch = try samples.nextBatch() {
                try SamplePoolRules.check(batch, columns)
                let first = Int64(count)
                try await conn.exec("""
                    INSERT INTO pool_samples (pool_id, seq, user_index, item_index, rating, label, time)
                    SELECT \(pool), \(first) + s.ord - 1, s.u, s.i, s.r, s.l, s.t
                    FROM unnest(\(batch.user)::int4[], \(batch.item)::int4[], \(batch.rating)::real[], \(batch.label)::real[], \(batch.time)::int8[])
                      WITH ORDINALITY AS s(u, i, r, l, t, ord)
                    """)
                count = try SamplePoolRules.add(count, batch.count, "samples")
            }
            let vocabularies = try samples.vocabularies()
            for start in stride(from: 0, to: vocabularies.users.count, by: SamplePoolRules.batchRows) {
                let ids = Array(vocabularies.users[start..<min(start + SamplePoolRules.batchRows, vocabularies.users.count)])
                try await conn.exec("""
                    INSERT INTO pool_users (pool_id, user_index, user_id)
                    SELECT \(pool), \(start) + s.ord - 1, s.id FROM unnest(\(ids)::int8[]) WITH ORDINALITY AS s(id, ord)
                    """)
            }
            for start in stride(from: 0, to: vocabularies.items.count, by: SamplePoolRules.batchRows) {
                let end = min(start + SamplePoolRules.batchRows, vocabularies.items.count)
                let ids = Array(vocabularies.items[start..<end])
                let genres: [String] = vocabularies.itemGenres.map { Array($0[start..<end]) } ?? []
                try await conn.exec("""
                    INSERT INTO pool_items (pool_id, item_index, item_id, genres)
                    SELECT \(pool), \(start) + s.ord - 1, s.id, s.g FROM unnest(\(ids)::int8[], \(genres)::text[]) WITH ORDINALITY AS s(id, g, ord)
                    """)
            }
            try await conn.exec("""
                UPDATE pools SET samples = \(count), users = \(vocabularies.users.count), items = \(vocabularies.items.count) WHERE id = \(pool)
                """)
            return PoolSummary(name: name, kind: kind, source: source, columns: columns, samples: count,
                               users: vocabularies.users.count, items: vocabularies.items.count, createdAt: now)
        }
    }

    public func pools() async throws -> [PoolSummary] {
        try await read { conn in
            var out: [PoolSummary] = []
            for row in try await conn.rows("SELECT \(unescaped: Self.poolColumns) FROM pools ORDER BY name").collect() {
                out.append(try Self.summary(row).summary)
            }
            return out
        }
    }

    public func dropPool(name: String) async throws -> Bool {
        try await transaction(deadline: Self.poolDeadline) { conn in
            guard let id = try await conn.rows("SELECT id FROM pools WHERE name = \(name) FOR UPDATE").decode(Int64.self).array().first else { return false }
            try await Self.deletePool(id, conn)
            return true
        }
    }

    public func readPool(name: String) async throws -> PoolContents? {
        // One snapshot for the pool's four tables: a replacement committed meanwhile is not mixed in.
        try await transaction(deadline: Self.poolDeadline) { conn in
            try await conn.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            guard let row = try await conn.rows("SELECT \(unescaped: Self.poolColumns) FROM pools WHERE name = \(name)").collect().first else {
                return nil
            }
            let (pool, summary) = try Self.summary(row)
            let columns = summary.columns
            var batch = PoolBatch()
            batch.user.reserveCapacity(summary.samples)
            batch.item.reserveCapacity(summary.samples)
            for try await (u, i, r, l, t) in try await conn.rows("""
                SELECT user_index, item_index, rating, label, time FROM pool_samples WHERE pool_id = \(pool) ORDER BY seq
                """).decode((Int32, Int32, Float?, Float?, Int64?).self) {
                batch.user.append(u)
                batch.item.append(i)
                if columns.rating { batch.rating.append(r ?? .nan) }
                if columns.label { batch.label.append(l ?? .nan) }
                if columns.time { batch.time.append(t ?? 0) }
            }
            let users = try await conn.rows("SELECT user_id FROM pool_users WHERE pool_id = \(pool) ORDER BY user_index").decode(Int64.self).array()
            var items: [Int64] = [], genres: [String] = []
            for try await (id, g) in try await conn.rows("SELECT item_id, genres FROM pool_items WHERE pool_id = \(pool) ORDER BY item_index")
                .decode((Int64, String?).self) {
                items.append(id)
                genres.append(g ?? "")
            }
            return PoolContents(summary: summary, samples: batch,
                                vocabularies: PoolVocabularies(users: users, items: items, itemGenres: columns.genres ? genres : nil))
        }
    }

    static let poolColumns = "id, name, kind, source, has_rating, has_label, has_time, has_genres, samples, users, items, created_at"

    private static func summary(_ row: PostgresRow) throws -> (id: Int64, summary: PoolSummary) {
        let (id, name, kind, source, rating, label, time, genres, samples, users, items, created) =
            try row.decode((Int64, String, String, String, Bool, Bool, Bool, Bool, Int64, Int64, Int64, Double).self)
        return (id, PoolSummary(name: name, kind: kind, source: source, columns: PoolColumns(rating: rating, label: label, time: time, genres: genres),
                                samples: Int(samples), users: Int(users), items: Int(items), createdAt: created))
    }

    private static func deletePool(_ id: Int64, _ conn: PostgresConnection) async throws {
        try await conn.exec("DELETE FROM pool_samples WHERE pool_id = \(id)")
        try await conn.exec("DELETE FROM pool_users WHERE pool_id = \(id)")
        try await conn.exec("DELETE FROM pool_items WHERE pool_id = \(id)")
        try await conn.exec("DELETE FROM pools WHERE id = \(id)")
        try await conn.exec(PostgresQuery(unsafeSQL: "DROP INDEX IF EXISTS \(cubeIndex(id))"))
    }
}
