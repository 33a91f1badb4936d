// The store on SQLite through GRDB. A file store runs in WAL mode (a DatabasePool: readers do not
// wait for the writer); the default store is an in-memory database that lives as long as the
// service. The schema is versioned with GRDB's DatabaseMigrator: each migration runs once, in
// order, and is recorded in the file, so a file written by an older dcl is upgraded in place and
// one written by a newer dcl is refused rather than misread.

import Foundation
import GRDB

public final class SQLiteFleetStore: FleetStore, @unchecked Sendable {
    // @unchecked: `writer` is a GRDB DatabaseQueue or DatabasePool, both thread-safe.
    let writer: any DatabaseWriter
    /// The objects' bytes: files beside a file store's database, memory for an in-memory store
    /// (ObjectBytes.swift says why not in the database).
    private let objectBytes: any ObjectBytes

    /// The migrations' identifiers, oldest first (a test checks a new file gets exactly these).
    public static let migrationNames = ["v1-runs-rounds-tasks-results-devices-objects", "v2-run-keys", "v3-tasks-by-state", "v4-objects-outside", "v5-sample-pool"]

    /// An in-memory store.
    public convenience init() throws {
        try self.init(writer: try DatabaseQueue(), objectBytes: ObjectMemory())
    }

    /// A store in the file at `path` (created if missing), in WAL mode, with its objects' bytes
    /// in the folder `PATH.objects` beside it.
    public convenience init(path: String) throws {
        let pool: DatabasePool
        var configuration = Configuration()
        // WAL with synchronous=NORMAL: a commit is in the log (the OS's buffers) before it
        // returns, so a killed service loses nothing; only a power cut may lose the last commits,
        // and a resumed run then sends those tasks again. FULL would fsync every lease and
        // result: milliseconds each, serialised, the whole fleet's throughput.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        // Several processes may open one file at once (a deployed run's service and hosts each
        // read a sample pool from it; `dcl pool list` beside a running service): opening takes a
        // write lock for its migrations, so a second opener waits for the first, not fails.
        configuration.busyMode = .timeout(30)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw FleetError.store("cannot open \(path): \(error)")
        }
        try self.init(writer: pool, objectBytes: try ObjectFiles(directory: URL(fileURLWithPath: path + ".objects", isDirectory: true)))
    }

    /// `sqlite:PATH` for a file, `memory` (or nil) for an in-memory store: the `--store` option.
    public static func open(spec: String?) throws -> SQLiteFleetStore {
        guard let spec, spec != "memory" else { return try SQLiteFleetStore() }
        guard spec.hasPrefix("sqlite:"), spec.count > "sqlite:".count else {
            throw FleetError.store("bad store `\(spec)`: expected sqlite:PATH or memory")
        }
        return try SQLiteFleetStore(path: String(spec.dropFirst("sqlite:".count)))
    }

    private init(writer: any DatabaseWriter, objectBytes: any ObjectBytes) throws {
        self.writer = writer
        self.objectBytes = objectBytes
        let migrator = Self.migrator()
        do {
            if try writer.read({ try migrator.hasBeenSuperseded($0) }) {
                throw FleetError.store("the store was written by a newer dcl (unknown schema migrations); refusing to use it")
            }
            try migrator.migrate(writer)
        } catch let error as FleetError {
            throw error
        } catch {
            throw FleetError.store("cannot migrate the schema: \(error)")
        }
    }

    /// The migrations applied to this store, oldest first.
    public func appliedMigrations() throws -> [String] {
        try wrap { try writer.read { try Self.migrator().appliedIdentifiers($0).sorted() } }
    }

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration(migrationNames[0]) { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  created_at REAL NOT NULL,
                  finished INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE rounds (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  run_id INTEGER NOT NULL REFERENCES runs(id),
                  number INTEGER NOT NULL,
                  opened_at REAL NOT NULL,
                  deadline REAL NOT NULL,
                  closed INTEGER NOT NULL DEFAULT 0,
                  UNIQUE (run_id, number));
                CREATE TABLE objects (
                  sha256 BLOB PRIMARY KEY CHECK (length(sha256) = 32),
                  size INTEGER NOT NULL CHECK (size >= 0),
                  bytes BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE tasks (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  run_id INTEGER NOT NULL REFERENCES runs(id),
                  round_id INTEGER NOT NULL REFERENCES rounds(id),
                  seq INTEGER NOT NULL,
                  device INTEGER NOT NULL,
                  kind TEXT NOT NULL,
                  spec BLOB NOT NULL,
                  state TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'done', 'dropped')),
                  lease_expiry REAL,
                  drop_reason TEXT,
                  UNIQUE (round_id, seq));
                CREATE INDEX tasks_by_device ON tasks (run_id, device, state);
                CREATE TABLE task_blobs (
                  task_id INTEGER NOT NULL REFERENCES tasks(id),
                  position INTEGER NOT NULL,
                  sha256 BLOB NOT NULL REFERENCES objects(sha256),
                  PRIMARY KEY (task_id, position)) WITHOUT ROWID;
                CREATE INDEX task_blobs_by_hash ON task_blobs (sha256);
                CREATE TABLE results (
                  task_id INTEGER PRIMARY KEY REFERENCES tasks(id),
                  spec BLOB NOT NULL,
                  failure TEXT,
                  received_at REAL NOT NULL);
                CREATE TABLE result_blobs (
                  task_id INTEGER NOT NULL REFERENCES results(task_id),
                  position INTEGER NOT NULL,
                  sha256 BLOB NOT NULL REFERENCES objects(sha256),
                  PRIMARY KEY (task_id, position)) WITHOUT ROWID;
                CREATE TABLE devices (
                  run_id INTEGER NOT NULL REFERENCES runs(id),
                  device INTEGER NOT NULL,
                  token_hash BLOB NOT NULL CHECK (length(token_hash) = 32),
                  registered_at REAL NOT NULL,
                  last_seen REAL NOT NULL,
                  PRIMARY KEY (run_id, device)) WITHOUT ROWID;
                """)
        }
        // What a run computes (RunKey), so that a restarted service finds its unfinished run.
        migrator.registerMigration(migrationNames[1]) { db in
            try db.execute(sql: """
                ALTER TABLE runs ADD COLUMN key BLOB CHECK (key IS NULL OR length(key) = 32);
                CREATE INDEX runs_by_key ON runs (key, finished);
                """)
        }
        // The hot questions ask by state: which devices have a pending task (every poll) and how
        // many tasks of a round are still open (after every result). Through the by-device index
        // they read every task the devices ever had, a cost that grew with each round.
        migrator.registerMigration(migrationNames[2]) { db in
            try db.execute(sql: """
                CREATE INDEX tasks_by_state ON tasks (run_id, state, device);
                CREATE INDEX tasks_by_round_state ON tasks (round_id, state);
                """)
        }
        // Objects written since keep their bytes outside the database (ObjectBytes.swift); those
        // of an older file keep theirs inside and are read from there.
        migrator.registerMigration(migrationNames[3]) { db in
            try db.execute(sql: "ALTER TABLE objects ADD COLUMN outside INTEGER NOT NULL DEFAULT 0")
        }
        // Sample pools (SamplePool.swift): samples in file order by dense user and item index,
        // the original ids behind the indices, and items' genres. Rows are keyed by pool first,
        // so reading or dropping one pool is one range of each table. `embedding` (float32s,
        // little-endian) mirrors PostgreSQL's column for a published retrieval index.
        migrator.registerMigration(migrationNames[4]) { db in
            try db.execute(sql: """
                CREATE TABLE pools (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  name TEXT NOT NULL UNIQUE,
                  kind TEXT NOT NULL,
                  source TEXT NOT NULL,
                  has_rating INTEGER NOT NULL,
                  has_label INTEGER NOT NULL,
                  has_time INTEGER NOT NULL,
                  has_genres INTEGER NOT NULL,
                  samples INTEGER NOT NULL CHECK (samples >= 0),
                  users INTEGER NOT NULL CHECK (users >= 0),
                  items INTEGER NOT NULL CHECK (items >= 0),
                  created_at REAL NOT NULL);
                CREATE TABLE pool_samples (
                  pool_id INTEGER NOT NULL REFERENCES pools(id),
                  seq INTEGER NOT NULL,
                  user_index INTEGER NOT NULL,
                  item_index INTEGER NOT NULL,
                  rating REAL,
                  label REAL,
                  time INTEGER,
                  PRIMARY KEY (pool_id, seq)) WITHOUT ROWID;
                CREATE TABLE pool_users (
                  pool_id INTEGER NOT NULL REFERENCES pools(id),
                  user_index INTEGER NOT NULL,
                  user_id INTEGER NOT NULL,
                  embedding BLOB,
                  PRIMARY KEY (pool_id, user_index)) WITHOUT ROWID;
                CREATE TABLE pool_items (
                  pool_id INTEGER NOT NULL REFERENCES pools(id),
                  item_index INTEGER NOT NULL,
                  item_id INTEGER NOT NULL,
                  genres TEXT,
                  PRIMARY KEY (pool_id, item_index)) WITHOUT ROWID;
                """)
        }
        return migrator
    }

    /// Every GRDB error leaves as a FleetError naming the store.
    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as FleetError { throw error } catch { throw FleetError.store("\(error)") }
    }

    public func beginRun(key: [UInt8]?, now: Double) throws -> Int64 {
        if let key, key.count != Digest.hashBytes { throw FleetError.store("a run key is \(Digest.hashBytes) bytes, not \(key.count)") }
        return try wrap {
            try writer.write { db in
                try db.execute(cached: "INSERT INTO runs (created_at, key) VALUES (?, ?)", arguments: [now, key.map { Data($0) }])
                return db.lastInsertedRowID
            }
        }
    }

    public func unfinishedRun(key: [UInt8]) throws -> Int64? {
        try wrap {
            try writer.read { db in
                try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM runs WHERE key = ? AND finished = 0 ORDER BY id DESC LIMIT 1"),
                                   arguments: [Data(key)])
            }
        }
    }

    public func finishRun(_ run: Int64) throws {
        try wrap { try writer.write { try $0.execute(cached: "UPDATE runs SET finished = 1 WHERE id = ?", arguments: [run]) } }
    }

    public func putObject(_ ref: BlobRef, bytes: [UInt8]) throws {
        try wrap {
            try writer.write { db in try Self.put(ref, bytes: bytes, into: objectBytes, db) }
        }
    }

    /// The bytes first, then the row: an object is in the store once its row is.
    private static func put(_ ref: BlobRef, bytes: [UInt8], into objectBytes: any ObjectBytes, _ db: Database) throws {
        let known = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM objects WHERE sha256 = ?)"), arguments: [Data(ref.sha256)]) ?? false
        guard !known else { return }
        try objectBytes.write(ref, bytes: bytes)
        try db.execute(cached: "INSERT INTO objects (sha256, size, bytes, outside) VALUES (?, ?, x'', 1)", arguments: [Data(ref.sha256), ref.size])
    }

    public func object(_ sha256: [UInt8]) throws -> [UInt8]? {
        try wrap {
            let found = try writer.read { db -> (size: Int, outside: Bool, inside: [UInt8]?)? in
                guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT size, outside FROM objects WHERE sha256 = ?"), arguments: [Data(sha256)]) else {
                    return nil
                }
                let size: Int = row[0], outside: Bool = row[1]
                if outside { return (size, true, nil) }
                let bytes = try Data.fetchOne(db.cachedStatement(sql: "SELECT bytes FROM objects WHERE sha256 = ?"), arguments: [Data(sha256)])
                return (size, false, bytes.map { [UInt8]($0) } ?? [])
            }
            guard let found else { return nil }
            return try found.inside ?? objectBytes.read(sha256, size: found.size)
        }
    }

    /// The in-memory store cannot resume a run, so once a round's results are read nothing
    /// will ask for its objects again: its task and result references go, and with them every
    /// object no other round refers to (rounds run one at a time, so none is open). A later
    /// round that needs an object again stores it again. File stores keep everything.
    public func releaseObjects(ofReadRound round: Int64) throws {
        guard let memory = objectBytes as? ObjectMemory else { return }
        try wrap {
            let released: [[UInt8]] = try writer.write { db in
                try db.execute(sql: "DELETE FROM task_blobs WHERE task_id IN (SELECT id FROM tasks WHERE round_id = ?)", arguments: [round])
                try db.execute(sql: "DELETE FROM result_blobs WHERE task_id IN (SELECT id FROM tasks WHERE round_id = ?)", arguments: [round])
                let unused = "sha256 NOT IN (SELECT sha256 FROM task_blobs) AND sha256 NOT IN (SELECT sha256 FROM result_blobs)"
                let hashes = try Data.fetchAll(db, sql: "SELECT sha256 FROM objects WHERE \(unused)").map { [UInt8]($0) }
                try db.execute(sql: "DELETE FROM objects WHERE \(unused)")
                return hashes
            }
            memory.remove(released)
        }
    }

    /// Objects whose bytes the store holds (tests: the in-memory store's stay flat).
    var heldObjectCount: Int? { (objectBytes as? ObjectMemory)?.count }

    public func objectSize(_ sha256: [UInt8]) throws -> Int? {
        try wrap { try writer.read { try Int.fetchOne($0.cachedStatement(sql: "SELECT size FROM objects WHERE sha256 = ?"), arguments: [Data(sha256)]) } }
    }

    public func openRound(run: Int64, number: Int64, tasks: [NewTask], deadline: Double, now: Double) throws -> (round: Int64, taskIDs: [Int64]) {
        try wrap {
            try writer.write { db in
                if let existing = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM rounds WHERE run_id = ? AND number = ?"), arguments: [run, number]) {
                    return (existing, try Self.reopen(round: existing, number: number, tasks: tasks, deadline: deadline, db))
                }
                try db.execute(cached: "INSERT INTO rounds (run_id, number, opened_at, deadline) VALUES (?, ?, ?, ?)", arguments: [run, number, now, deadline])
                let round = db.lastInsertedRowID
                var ids: [Int64] = []
                ids.reserveCapacity(tasks.count)
                for (seq, task) in tasks.enumerated() {
                    try db.execute(cached: """
                        INSERT INTO tasks (run_id, round_id, seq, device, kind, spec, state, lease_expiry)
                        VALUES (?, ?, ?, ?, ?, ?, 'pending', NULL)
                        """, arguments: [run, round, seq, task.device, task.kind, Data(task.spec)])
                    let id = db.lastInsertedRowID
                    for (position, blob) in task.blobs.enumerated() {
                        try db.execute(cached: "INSERT INTO task_blobs (task_id, position, sha256) VALUES (?, ?, ?)", arguments: [id, position, Data(blob.sha256)])
                    }
                    ids.append(id)
                }
                return (round, ids)
            }
        }
    }

    /// A resumed run's replayed round: checks that the script asks for exactly what the stored
    /// round holds (a changed script, data file or dcl would ask for something else, and mixing
    /// the two runs' numbers would be silently wrong), then keeps every result and reopens the
    /// rest.
    private static func reopen(round: Int64, number: Int64, tasks: [NewTask], deadline: Double, _ db: Database) throws -> [Int64] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.taskColumns) FROM tasks WHERE round_id = ? ORDER BY seq"), arguments: [round])
        func differs(_ what: String) -> FleetError {
            FleetError.store("round \(number) of the resumed run differs from what this script asks for (\(what)): "
                             + "the script, its data, seed or values changed since the run began; use another store to start afresh")
        }
        guard rows.count == tasks.count else { throw differs("\(rows.count) stored tasks, \(tasks.count) now") }
        var ids: [Int64] = []
        ids.reserveCapacity(rows.count)
        for (row, task) in zip(rows, tasks) {
            let stored = try Self.task(from: row, db)
            guard stored.device == task.device, stored.kind == task.kind, stored.spec == task.spec,
                  stored.blobs.map(\.sha256) == task.blobs.map(\.sha256) else {
                throw differs("task \(stored.seq), for device \(task.device)")
            }
            ids.append(stored.id)
        }
        try db.execute(cached: """
            UPDATE tasks SET state = 'pending', lease_expiry = NULL, drop_reason = NULL WHERE round_id = ? AND state <> 'done'
            """, arguments: [round])
        try db.execute(cached: "UPDATE rounds SET closed = 0, deadline = ? WHERE id = ?", arguments: [deadline, round])
        return ids
    }

    public func closeRound(_ round: Int64, reason: String) throws {
        try wrap {
            try writer.write { db in
                try db.execute(cached: """
                    UPDATE tasks SET state = 'dropped', drop_reason = ?, lease_expiry = NULL
                    WHERE round_id = ? AND state IN ('pending', 'leased')
                    """, arguments: [reason, round])
                try db.execute(cached: "UPDATE rounds SET closed = 1 WHERE id = ?", arguments: [round])
            }
        }
    }

    public func roundTasks(_ round: Int64) throws -> [(task: StoredTask, result: StoredResult?)] {
        try wrap {
            try writer.read { db in
                let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.taskColumns) FROM tasks WHERE round_id = ? ORDER BY seq"), arguments: [round])
                return try rows.map { row in
                    let task = try Self.task(from: row, db)
                    return (task: task, result: try Self.result(of: task.id, db))
                }
            }
        }
    }

    public func deviceTokenHash(run: Int64, device: Int) throws -> [UInt8]? {
        try wrap {
            try writer.read { db in
                try Data.fetchOne(db.cachedStatement(sql: "SELECT token_hash FROM devices WHERE run_id = ? AND device = ?"), arguments: [run, device]).map { [UInt8]($0) }
            }
        }
    }

    public func registerDevice(run: Int64, device: Int, tokenHash: [UInt8], now: Double) throws {
        try wrap {
            try writer.write { db in
                try db.execute(cached: """
                    INSERT INTO devices (run_id, device, token_hash, registered_at, last_seen) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (run_id, device) DO UPDATE SET token_hash = excluded.token_hash, last_seen = excluded.last_seen
                    """, arguments: [run, device, Data(tokenHash), now, now])
            }
        }
    }

    public func touchDevices(run: Int64, first: Int, end: Int, now: Double) throws {
        try wrap {
            try writer.write { db in
                try db.execute(cached: "UPDATE devices SET last_seen = ? WHERE run_id = ? AND device >= ? AND device < ?", arguments: [now, run, first, end])
            }
        }
    }

    public func releaseLeases(run: Int64, device: Int) throws -> Int {
        try wrap {
            try writer.write { db in
                try db.execute(cached: """
                    UPDATE tasks SET state = 'pending', lease_expiry = NULL WHERE run_id = ? AND device = ? AND state = 'leased'
                    """, arguments: [run, device])
                return db.changesCount
            }
        }
    }

    public func readyDevices(run: Int64, first: Int, end: Int) throws -> [Int] {
        try wrap {
            try writer.read { db in
                try Int.fetchAll(db.cachedStatement(sql: """
                    SELECT DISTINCT t.device FROM tasks t
                    WHERE t.run_id = ? AND t.device >= ? AND t.device < ? AND t.state = 'pending'
                      AND NOT EXISTS (SELECT 1 FROM tasks u WHERE u.run_id = t.run_id AND u.device = t.device AND u.state = 'leased')
                    ORDER BY t.device
                    """), arguments: [run, first, end])
            }
        }
    }

    public func leaseNext(run: Int64, devices: [Int], leaseUntil: Double, specBudget: Int) throws -> [StoredTask] {
        try wrap {
            try writer.write { db -> [StoredTask] in
                var leased: [StoredTask] = []
                var specBytes = 0
                for device in devices {
                    // Its first pending task, unless one of its tasks is leased.
                    guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                        SELECT \(Self.taskColumns) FROM tasks t WHERE t.run_id = ? AND t.device = ? AND t.state = 'pending'
                          AND NOT EXISTS (SELECT 1 FROM tasks u WHERE u.run_id = t.run_id AND u.device = t.device AND u.state = 'leased')
                        ORDER BY t.round_id, t.seq LIMIT 1
                        """), arguments: [run, device]) else { continue }
                    var task = try Self.task(from: row, db)
                    if !leased.isEmpty && specBytes + task.spec.count > specBudget { break }
                    specBytes += task.spec.count
                    try db.execute(cached: "UPDATE tasks SET state = 'leased', lease_expiry = ? WHERE id = ?", arguments: [leaseUntil, task.id])
                    task.state = .leased
                    leased.append(task)
                }
                return leased
            }
        }
    }

    public func deviceHoldsLease(run: Int64, device: Int, on sha256: [UInt8]) throws -> Bool {
        try wrap {
            try writer.read { db in
                try Bool.fetchOne(db.cachedStatement(sql: """
                    SELECT EXISTS (SELECT 1 FROM task_blobs b JOIN tasks t ON t.id = b.task_id
                                   WHERE t.run_id = ? AND t.device = ? AND t.state = 'leased' AND b.sha256 = ?)
                    """), arguments: [run, device, Data(sha256)]) ?? false
            }
        }
    }

    public func taskOwner(_ id: Int64) throws -> (run: Int64, device: Int)? {
        try wrap {
            try writer.read { db in
                try Row.fetchOne(db.cachedStatement(sql: "SELECT run_id, device FROM tasks WHERE id = ?"), arguments: [id]).map { (run: $0[0], device: $0[1]) }
            }
        }
    }

    public func task(_ id: Int64) throws -> StoredTask? {
        try wrap {
            try writer.read { db in
                try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.taskColumns) FROM tasks WHERE id = ?"), arguments: [id]).map { try Self.task(from: $0, db) }
            }
        }
    }

    public func recordResults(_ entries: [ResultEntry], now: Double) throws -> [RecordOutcome] {
        try wrap {
            try writer.write { db -> [RecordOutcome] in
                try entries.map { entry in try Self.record(entry, now: now, objectBytes: objectBytes, db) }
            }
        }
    }

    private static func record(_ entry: ResultEntry, now: Double, objectBytes: any ObjectBytes, _ db: Database) throws -> RecordOutcome {
        let id = entry.task
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT device, state FROM tasks WHERE id = ?"), arguments: [id]) else {
            return .unknownTask
        }
        let owner: Int = row[0]
        guard owner == entry.device else { return .wrongDevice(owner: owner) }
        switch TaskState(rawValue: row[1]) {
        case .done: return .duplicate
        case .dropped: return .dropped
        case .pending, .leased, nil: break
        }
        guard entry.blobBytes.count == entry.result.blobs.count else {
            throw FleetError.store("a result for task \(id) names \(entry.result.blobs.count) blobs but carries \(entry.blobBytes.count)")
        }
        for (ref, bytes) in zip(entry.result.blobs, entry.blobBytes) {
            try put(ref, bytes: bytes, into: objectBytes, db)
        }
        try db.execute(cached: "INSERT INTO results (task_id, spec, failure, received_at) VALUES (?, ?, ?, ?)", arguments: [id, Data(entry.result.spec), entry.result.failure, now])
        for (position, blob) in entry.result.blobs.enumerated() {
            try db.execute(cached: "INSERT INTO result_blobs (task_id, position, sha256) VALUES (?, ?, ?)", arguments: [id, position, Data(blob.sha256)])
        }
        try db.execute(cached: "UPDATE tasks SET state = 'done', lease_expiry = NULL WHERE id = ?", arguments: [id])
        return .recorded
    }

    public func openTaskCount(round: Int64) throws -> Int {
        try wrap {
            try writer.read { db in
                try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM tasks WHERE round_id = ? AND state IN ('pending', 'leased')"), arguments: [round]) ?? 0
            }
        }
    }

    public func counts(run: Int64, seenSince: Double) throws -> StoreCounts {
        try wrap {
            try writer.read { db in
                var tasks: [TaskState: Int] = [:]
                for state in TaskState.allCases { tasks[state] = 0 }
                for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT state, COUNT(*) AS n FROM tasks WHERE run_id = ? GROUP BY state"), arguments: [run]) {
                    if let state = TaskState(rawValue: row["state"]) { tasks[state] = row["n"] }
                }
                let registered = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM devices WHERE run_id = ?"), arguments: [run]) ?? 0
                let seen = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM devices WHERE run_id = ? AND last_seen >= ?"),
                                            arguments: [run, seenSince]) ?? 0
                return StoreCounts(tasks: tasks, devicesRegistered: registered, devicesSeenSince: seen)
            }
        }
    }

    /// The columns `task(from:)` reads, by position (decoding by name hashed every column name
    /// on every row, a cost `perf` showed on the service's hot path).
    private static let taskColumns = "id, run_id, round_id, seq, device, kind, spec, state, drop_reason"

    private static func task(from row: Row, _ db: Database) throws -> StoredTask {
        let id: Int64 = row[0]
        let blobs = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT b.sha256, o.size FROM task_blobs b JOIN objects o ON o.sha256 = b.sha256 WHERE b.task_id = ? ORDER BY b.position
            """), arguments: [id]).map { BlobRef(sha256: [UInt8]($0[0] as Data), size: $0[1]) }
        let stateText: String = row[7]
        guard let state = TaskState(rawValue: stateText) else { throw FleetError.store("task \(id) has unknown state `\(stateText)`") }
        return StoredTask(id: id, run: row[1], round: row[2], seq: row[3], device: row[4], kind: row[5],
                          spec: [UInt8](row[6] as Data), blobs: blobs, state: state, dropReason: row[8])
    }

    private static func result(of task: Int64, _ db: Database) throws -> StoredResult? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT spec, failure FROM results WHERE task_id = ?"), arguments: [task]) else { return nil }
        let blobs = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT b.sha256, o.size FROM result_blobs b JOIN objects o ON o.sha256 = b.sha256 WHERE b.task_id = ? ORDER BY b.position
            """), arguments: [task]).map { BlobRef(sha256: [UInt8]($0["sha256"] as Data), size: $0["size"]) }
        return StoredResult(spec: [UInt8](row["spec"] as Data), blobs: blobs, failure: row["failure"])
    }
}

extension Database {
    /// Runs a statement prepared once per connection and kept: preparing (SQLite's parser and
    /// GRDB's authorizer) costs several times what running a small statement does, and the
    /// service runs the same few statements for every task.
    func execute(cached sql: String, arguments: StatementArguments) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
