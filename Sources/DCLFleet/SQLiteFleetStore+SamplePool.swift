// Sample pools in the SQLite store: an import is one write transaction through prepared
// statements (SQLite's fastest bulk path: no per-row commit, no re-parsing), so a failed or
// refused import leaves the store as it was, a replaced pool included.

import Foundation
import GRDB

extension SQLiteFleetStore: SamplePoolStore {
    public func importPool(name: String, kind: String, source: String, columns: PoolColumns, from samples: PoolSampleSource,
                           replace: Bool, now: Double) throws -> PoolSummary {
        try SamplePoolRules.checkName(name)
        return try poolWrap {
            try writer.write { db in
                if let old = try Int64.fetchOne(db, sql: "SELECT id FROM pools WHERE name = ?", arguments: [name]) {
                    guard replace else { throw FleetError.store("the store holds a pool named `\(name)` already (--replace replaces it)") }
                    try Self.deletePool(old, db)
                }
                try db.execute(sql: """
                    INSERT INTO pools (name, kind, source, has_rating, has_label, has_time, has_genres, samples, users, items, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?)
                    """, arguments: [name, kind, source, columns.rating, columns.label, columns.time, columns.genres, now])
                let pool = db.lastInsertedRowID
                let insert = try db.makeStatement(sql: """
                    INSERT INTO pool_samples (pool_id, seq, user_index, item_index, rating, label, time) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                var count = 0
                while let batch = try samples.nextBatch() {
                    try SamplePoolRules.check(batch, columns)
                    for i in 0..<batch.count {
                        try insert.execute(arguments: [pool, count + i, batch.user[i], batch.item[i],
                                                       columns.rating ? Double(batch.rating[i]) : nil,
                                                       columns.label ? Double(batch.label[i]) : nil,
                                                       columns.time ? batch.time[i] : nil])
                    }
                    count = try SamplePoolRules.add(count, batch.count, "samples")
                }
                let vocabularies = try samples.vocabularies()
                let user = try db.makeStatement(sql: "INSERT INTO pool_users (pool_id, user_index, user_id) VALUES (?, ?, ?)")
                for (i, id) in vocabularies.users.enumerated() { try user.execute(arguments: [pool, i, id]) }
                let item = try db.makeStatement(sql: "INSERT INTO pool_items (pool_id, item_index, item_id, genres) VALUES (?, ?, ?, ?)")
                for (i, id) in vocabularies.items.enumerated() { try item.execute(arguments: [pool, i, id, vocabularies.itemGenres?[i]]) }
                try db.execute(sql: "UPDATE pools SET samples = ?, users = ?, items = ? WHERE id = ?",
                               arguments: [count, vocabularies.users.count, vocabularies.items.count, pool])
                return PoolSummary(name: name, kind: kind, source: source, columns: columns, samples: count,
                                   users: vocabularies.users.count, items: vocabularies.items.count, createdAt: now)
            }
        }
    }

    public func pools() throws -> [PoolSummary] {
        try poolWrap {
            try writer.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM pools ORDER BY name").map(Self.summary)
            }
        }
    }

    public func dropPool(name: String) throws -> Bool {
        try poolWrap {
            try writer.write { db in
                guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM pools WHERE name = ?", arguments: [name]) else { return false }
                try Self.deletePool(id, db)
                return true
            }
        }
    }

    public func readPool(name: String) throws -> PoolContents? {
        try poolWrap {
            try writer.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM pools WHERE name = ?", arguments: [name]) else { return nil }
                let summary = Self.summary(row), pool: Int64 = row["id"], columns = summary.columns
                var batch = PoolBatch()
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT user_index, item_index, rating, label, time FROM pool_samples WHERE pool_id = ? ORDER BY seq
                    """, arguments: [pool])
                while let r = try rows.next() {
                    batch.user.append(r[0])
                    batch.item.append(r[1])
                    if columns.rating { batch.rating.append(Float(r[2] as Double)) }
                    if columns.label { batch.label.append(Float(r[3] as Double)) }
                    if columns.time { batch.time.append(r[4]) }
                }
                let users = try Int64.fetchAll(db, sql: "SELECT user_id FROM pool_users WHERE pool_id = ? ORDER BY user_index", arguments: [pool])
                let items = try Row.fetchAll(db, sql: "SELECT item_id, genres FROM pool_items WHERE pool_id = ? ORDER BY item_index", arguments: [pool])
                let vocabularies = PoolVocabularies(users: users, items: items.map { $0[0] },
                                                    itemGenres: columns.genres ? items.map { ($0[1] as String?) ?? "" } : nil)
                return PoolContents(summary: summary, samples: batch, vocabularies: vocabularies)
            }
        }
    }

    private static func deletePool(_ id: Int64, _ db: Database) throws {
        for table in ["pool_samples", "pool_users", "pool_items"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE pool_id = ?", arguments: [id])
        }
        try db.execute(sql: "DELETE FROM pools WHERE id = ?", arguments: [id])
    }

    private static func summary(_ row: Row) -> PoolSummary {
        PoolSummary(name: row["name"], kind: row["kind"], source: row["source"],
                    columns: PoolColumns(rating: row["has_rating"], label: row["has_label"], time: row["has_time"], genres: row["has_genres"]),
                    samples: row["samples"], users: row["users"], items: row["items"], createdAt: row["created_at"])
    }

    /// The database's errors leave as the store's; any other error (a bad row of the file being
    /// imported) leaves as it is, with its file, line and column.
    private func poolWrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError { throw FleetError.store("\(error)") }
    }
}
