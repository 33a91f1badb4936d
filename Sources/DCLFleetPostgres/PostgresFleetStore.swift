// The fleet store on PostgreSQL, for cloud replicas that share one database (docs/deploy.md,
// "Scale-out"). It keeps what the SQLite store keeps, with the same schema migrations, and adds
// what several writers need: a poll's lease takes row locks that other replicas skip
// (`FOR UPDATE SKIP LOCKED`), a push's record locks its tasks (in id order, so two pushes never
// wait on each other in a cycle) and is idempotent by task id, and a round is opened once
// (`ON CONFLICT` on its run and number). Every method is one transaction.

import Foundation
import DCLFleet
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

public final class PostgresFleetStore: FleetStore, Sendable {
    let client: PostgresClient
    /// The client's connection pool runs in this task until `close` (or deinit) cancels it.
    private let pool: Task<Void, Never>
    private let poolStarted = StartFlag()
    let logger: Logger
    /// The pool's own messages (a connection lost, a retry) at warning and above: its routine
    /// ones would fill a service's log.
    public static var defaultLogger: Logger {
        var logger = Logger(label: "dcl.store.postgres")
        logger.logLevel = .warning
        return logger
    }
    /// Statements log nothing: their failures reach the service's log as the store's errors.
    static let quiet = Logger(label: "dcl.store.postgres.statements", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Where the store is (without its password), for messages.
    public let url: PostgresStoreURL
    /// The longest one store operation may take, waiting for a connection included; past it
    /// the operation fails as `FleetError.storeUnavailable`.
    public let operationDeadline: Duration
    /// How long a new connection may take.
    let connectTimeout: Duration
    /// The run this store drives, when it claimed one (`SharedFleetStore.claimDriver`).
    let driver: DriverClaim

    /// Connects to the database at `url` (waiting at most `connectTimeout` for a first answer),
    /// then brings its schema up to date.
    public static func open(_ url: PostgresStoreURL, connectTimeout: Duration = .seconds(10), operationDeadline: Duration = .seconds(30),
                            logger: Logger = PostgresFleetStore.defaultLogger) async throws -> PostgresFleetStore {
        var configuration = PostgresClient.Configuration(host: url.host, port: url.port, username: url.user, password: url.password,
                                                         database: url.database,
                                                         tls: url.requireTLS ? .require(.makeClientConfiguration()) : .disable)
        configuration.options.connectTimeout = connectTimeout
        // One connection per concurrent transaction: the RPC handlers of a busy service, plus
        // the rounds; PostgreSQL's default allows 100 connections for every replica together.
        configuration.options.maximumConnections = 16
        configuration.options.additionalStartupParameters = [("application_name", "dcl")]
        try await probe(url, within: connectTimeout, logger: logger)
        let store = PostgresFleetStore(client: PostgresClient(configuration: configuration, backgroundLogger: logger), url: url, logger: logger,
                                       operationDeadline: operationDeadline, connectTimeout: connectTimeout)
        // The pool's task has begun `run()` before the first lease (else the client logs that it
        // is used before it runs); a moment's wait, bounded.
        for _ in 0..<100 where !store.poolStarted.value.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(1)) }
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// `open` for the `--store` option's text.
    public static func open(spec: String) async throws -> PostgresFleetStore {
        try await open(try PostgresStoreURL(spec))
    }

    private init(client: PostgresClient, url: PostgresStoreURL, logger: Logger, operationDeadline: Duration, connectTimeout: Duration) {
        self.client = client
        self.connectTimeout = connectTimeout
        self.driver = DriverClaim()
        self.operationDeadline = operationDeadline
        self.url = url
        self.logger = logger
        let started = poolStarted
        self.pool = Task {
            started.value.store(true, ordering: .releasing)
            await client.run()
        }
    }

    deinit { pool.cancel() }

    /// Closes the connections (a driver's claim with its own).
    public func close() async {
        await driver.release()
        pool.cancel()
        await pool.value
    }

    /// The pool retries a server it cannot reach (with backoff, logging each try), so a wrong
    /// port, host, user or database would only show as a timeout: one plain connection first
    /// fails at once with the reason, and a server that does not answer at all is given up after
    /// `timeout`.
    private static func probe(_ url: PostgresStoreURL, within timeout: Duration, logger: Logger) async throws {
        do {
            let connection = try await connect(url, within: timeout, logger: logger)
            try await connection.close()
        } catch let error as FleetError {
            throw error
        } catch {
            throw FleetError.store("cannot connect to \(url): \(describe(error))")
        }
    }

    /// A connection of its own, outside the pool: for a probe, a driver's claim (its advisory
    /// lock lives exactly as long as this connection) and a LISTEN.
    static func connect(_ url: PostgresStoreURL, within timeout: Duration, logger: Logger) async throws -> PostgresConnection {
        let tls: PostgresConnection.Configuration.TLS
        do {
            tls = url.requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
        } catch {
            throw FleetError.store("cannot set up TLS for \(url): \(error)")
        }
        var configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user, password: url.password,
                                                             database: url.database, tls: tls)
        let (seconds, attoseconds) = timeout.components
        configuration.options.connectTimeout = .milliseconds(max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
        configuration.options.additionalStartupParameters = [("application_name", "dcl")]
        return try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                                                    id: 0, logger: logger)
    }

    /// `connect` for the store's own use, its failures sorted like an operation's.
    func dedicatedConnection() async throws -> PostgresConnection {
        let url = self.url, logger = self.logger
        return try await bounded(deadline: connectTimeout + .seconds(1)) { try await Self.connect(url, within: self.connectTimeout, logger: logger) }
    }

    // MARK: Schema

    private func migrate() async throws {
        // Migrating creates tables and indexes (and may wait for another replica migrating):
        // not bound by the deadline of an ordinary operation.
        try await transaction(deadline: max(operationDeadline, .seconds(120))) { conn in
            try await conn.exec("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))")
            try await conn.exec("CREATE TABLE IF NOT EXISTS dcl_migrations (identifier TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)")
            var applied: Set<String> = []
            for try await name in try await conn.rows("SELECT identifier FROM dcl_migrations").decode(String.self) {
                applied.insert(name)
            }
            let known = Set(PostgresSchema.migrations.map(\.name))
            if let unknown = applied.subtracting(known).sorted().first {
                throw FleetError.store("the store was written by a newer dcl (unknown schema migration `\(unknown)`); refusing to use it")
            }
            for migration in PostgresSchema.migrations where !applied.contains(migration.name) {
                for statement in migration.sql {
                    try await conn.exec(PostgresQuery(unsafeSQL: statement))
                }
                try await conn.exec("INSERT INTO dcl_migrations (identifier, applied_at) VALUES (\(migration.name), \(Date().timeIntervalSince1970))")
            }
        }
    }

    /// The migrations applied to this store, oldest first.
    public func appliedMigrations() async throws -> [String] {
        let applied = try await read { conn in
            try await conn.rows("SELECT identifier FROM dcl_migrations").decode(String.self).array()
        }
        return PostgresSchema.migrations.map(\.name).filter(applied.contains)
    }

    // MARK: Runs

    public func beginRun(key: [UInt8]?, now: Double) async throws -> Int64 {
        if let key, key.count != Digest.hashBytes { throw FleetError.store("a run key is \(Digest.hashBytes) bytes, not \(key.count)") }
        return try await read { conn in
            try await Self.one(conn.rows("INSERT INTO runs (created_at, key) VALUES (\(now), \(key.map(ByteBuffer.init(bytes:)))) RETURNING id").decode(Int64.self))
        }
    }

    public func unfinishedRun(key: [UInt8]) async throws -> Int64? {
        try await read { conn in
            try await conn.rows("SELECT id FROM runs WHERE key = \(ByteBuffer(bytes: key)) AND NOT finished ORDER BY id DESC LIMIT 1").decode(Int64.self).array().first
        }
    }

    public func finishRun(_ run: Int64) async throws {
        try await driverTransaction(run: run) { conn in
            try await conn.exec("UPDATE runs SET finished = TRUE WHERE id = \(run)")
            try await Self.notify(run, conn)
        }
    }

    // MARK: Objects

    public func putObject(_ ref: BlobRef, bytes: [UInt8]) async throws {
        try await transaction { conn in try await self.put([(ref, bytes)], conn) }
    }

    /// Stores the objects not yet stored: the row (which other writers of the same object wait
    /// on) and its chunks, in the caller's transaction.
    private func put(_ objects: [(ref: BlobRef, bytes: [UInt8])], _ conn: PostgresConnection) async throws {
        var seen: Set<[UInt8]> = []
        for (ref, bytes) in objects where seen.insert(ref.sha256).inserted {
            guard bytes.count == ref.size else {
                throw FleetError.store("object \(ref.hex) has \(bytes.count) bytes, not the \(ref.size) its reference says")
            }
            let sha = ByteBuffer(bytes: ref.sha256)
            let inserted = try await conn.rows("""
                INSERT INTO objects (sha256, size, bytes, outside) VALUES (\(sha), \(ref.size), ''::bytea, TRUE)
                ON CONFLICT (sha256) DO NOTHING RETURNING 1
                """).collect()
            guard !inserted.isEmpty else { continue }
            var position = 0, offset = 0
            repeat {
                let end = min(offset + PostgresSchema.chunkBytes, bytes.count)
                let chunk = ByteBuffer(bytes: bytes[offset..<end])
                try await conn.exec("INSERT INTO object_chunks (sha256, position, bytes) VALUES (\(sha), \(position), \(chunk))")
                position += 1
                offset = end
            } while offset < bytes.count
        }
    }

    public func object(_ sha256: [UInt8]) async throws -> [UInt8]? {
        try await read { conn in
            let sha = ByteBuffer(bytes: sha256)
            guard let (size, outside) = try await conn.rows("SELECT size, outside FROM objects WHERE sha256 = \(sha)")
                .decode((Int, Bool).self).array().first else { return nil }
            if !outside {
                let inside = try await Self.one(conn.rows("SELECT bytes FROM objects WHERE sha256 = \(sha)").decode(ByteBuffer.self))
                return Array(inside.readableBytesView)
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(size)
            var expected = 0
            for try await (position, chunk) in try await conn.rows("SELECT position, bytes FROM object_chunks WHERE sha256 = \(sha) ORDER BY position").decode((Int, ByteBuffer).self) {
                guard position == expected, bytes.count + chunk.readableBytes <= size else {
                    throw FleetError.store("object \(Digest.hex(sha256)) is damaged in the store (chunk \(position))")
                }
                bytes.append(contentsOf: chunk.readableBytesView)
                expected += 1
            }
            guard bytes.count == size else {
                throw FleetError.store("object \(Digest.hex(sha256)) has \(bytes.count) bytes in the store, not \(size)")
            }
            return bytes
        }
    }

    public func objectSize(_ sha256: [UInt8]) async throws -> Int? {
        try await read { conn in
            try await conn.rows("SELECT size FROM objects WHERE sha256 = \(ByteBuffer(bytes: sha256))").decode(Int.self).array().first
        }
    }

    // MARK: Rounds

    public func openRound(run: Int64, number: Int64, tasks: [NewTask], deadline: Double, now: Double) async throws -> (round: Int64, taskIDs: [Int64]) {
        try await driverTransaction(run: run) { conn in
            try await Self.notify(run, conn)
            // Decided once: a second opener (a replica, a resumed service) finds the round there.
            if let round = try await conn.rows("""
                INSERT INTO rounds (run_id, number, opened_at, deadline) VALUES (\(run), \(number), \(now), \(deadline))
                ON CONFLICT (run_id, number) DO NOTHING RETURNING id
                """).decode(Int64.self).array().first {
                return (round, try await self.insert(tasks, run: run, round: round, conn))
            }
            let round = try await Self.one(conn.rows("SELECT id FROM rounds WHERE run_id = \(run) AND number = \(number) FOR UPDATE").decode(Int64.self))
            return (round, try await self.reopen(round: round, number: number, tasks: tasks, deadline: deadline, conn))
        }
    }

    /// All of a round's tasks in two statements (a round has a task per device: a thousand
    /// single-row inserts would be a thousand round trips).
    private func insert(_ tasks: [NewTask], run: Int64, round: Int64, _ conn: PostgresConnection) async throws -> [Int64] {
        guard !tasks.isEmpty else { return [] }
        let seqs = Array(0..<tasks.count)
        let ids = try await conn.rows("""
            INSERT INTO tasks (run_id, round_id, seq, device, kind, spec, state)
            SELECT \(run), \(round), u.seq, u.device, u.kind, u.spec, 'pending'
            FROM unnest(\(seqs)::bigint[], \(tasks.map(\.device))::bigint[], \(tasks.map(\.kind))::text[], \(tasks.map { ByteBuffer(bytes: $0.spec) })::bytea[])
              AS u(seq, device, kind, spec)
            ORDER BY u.seq
            RETURNING id, seq
            """).decode((Int64, Int).self).array()
        var bySeq = [Int64](repeating: 0, count: tasks.count)
        for (id, seq) in ids where seq >= 0 && seq < tasks.count { bySeq[seq] = id }
        guard ids.count == tasks.count, !bySeq.contains(0) else { throw FleetError.store("round \(round): \(ids.count) of \(tasks.count) tasks were stored") }
        try await insertBlobLists(into: .taskBlobs, zip(bySeq, tasks).map { (task: $0, blobs: $1.blobs) }, conn)
        return bySeq
    }

    /// A resumed run's replayed round (as in the SQLite store): the script must ask for exactly
    /// what the stored round holds; answered tasks keep their results, the rest are pending again.
    private func reopen(round: Int64, number: Int64, tasks: [NewTask], deadline: Double, _ conn: PostgresConnection) async throws -> [Int64] {
        let stored = try await self.tasks(where: "t.round_id = $1", round, conn)
        func differs(_ what: String) -> FleetError {
            FleetError.store("round \(number) of the resumed run differs from what this script asks for (\(what)): "
                             + "the script, its data, seed or values changed since the run began; use another store to start afresh")
        }
        guard stored.count == tasks.count else { throw differs("\(stored.count) stored tasks, \(tasks.count) now") }
        for (task, new) in zip(stored, tasks) {
            guard task.device == new.device, task.kind == new.kind, task.spec == new.spec, task.blobs.map(\.sha256) == new.blobs.map(\.sha256) else {
                throw differs("task \(task.seq), for device \(new.device)")
            }
        }
        try await conn.exec("""
            UPDATE tasks SET state = 'pending', lease_expiry = NULL, drop_reason = NULL WHERE round_id = \(round) AND state <> 'done'
            """)
        try await conn.exec("UPDATE rounds SET closed = FALSE, deadline = \(deadline) WHERE id = \(round)")
        return stored.map(\.id)
    }

    public func closeRound(_ round: Int64, reason: String) async throws {
        let run = try await read { conn in
            try await conn.rows("SELECT run_id FROM rounds WHERE id = \(round)").decode(Int64.self).array().first
        }
        guard let run else { throw FleetError.store("no round \(round) in the store") }
        try await driverTransaction(run: run) { conn in
            try await conn.exec("""
                UPDATE tasks SET state = 'dropped', drop_reason = \(reason), lease_expiry = NULL
                WHERE round_id = \(round) AND state IN ('pending', 'leased')
                """)
            try await conn.exec("UPDATE rounds SET closed = TRUE WHERE id = \(round)")
            try await Self.notify(run, conn)
        }
    }

    public func roundTasks(_ round: Int64) async throws -> [(task: StoredTask, result: StoredResult?)] {
        try await transaction { conn in
            let tasks = try await self.tasks(where: "t.round_id = $1", round, conn)
            var results: [Int64: StoredResult] = [:]
            for try await (id, spec, failure) in try await conn.rows("""
                SELECT r.task_id, r.spec, r.failure FROM results r JOIN tasks t ON t.id = r.task_id WHERE t.round_id = \(round)
                """).decode((Int64, ByteBuffer, String?).self) {
                results[id] = StoredResult(spec: Array(spec.readableBytesView), blobs: [], failure: failure)
            }
            for try await (id, sha, size) in try await conn.rows("""
                SELECT b.task_id, b.sha256, o.size FROM result_blobs b JOIN tasks t ON t.id = b.task_id JOIN objects o ON o.sha256 = b.sha256
                WHERE t.round_id = \(round) ORDER BY b.task_id, b.position
                """).decode((Int64, ByteBuffer, Int).self) {
                results[id]?.blobs.append(BlobRef(sha256: Array(sha.readableBytesView), size: size))
            }
            return tasks.map { (task: $0, result: results[$0.id]) }
        }
    }

    // MARK: Devices

    public func deviceTokenHash(run: Int64, device: Int) async throws -> [UInt8]? {
        try await read { conn in
            try await conn.rows("SELECT token_hash FROM devices WHERE run_id = \(run) AND device = \(device)")
                .decode(ByteBuffer.self).array().first.map { Array($0.readableBytesView) }
        }
    }

    public func registerDevice(run: Int64, device: Int, tokenHash: [UInt8], now: Double) async throws {
        try await read { conn in
            try await conn.exec("""
                INSERT INTO devices (run_id, device, token_hash, registered_at, last_seen) VALUES (\(run), \(device), \(ByteBuffer(bytes: tokenHash)), \(now), \(now))
                ON CONFLICT (run_id, device) DO UPDATE SET token_hash = excluded.token_hash, last_seen = excluded.last_seen
                """)
            try await Self.notify(run, conn)
        }
    }

    public func touchDevices(run: Int64, first: Int, end: Int, now: Double) async throws {
        try await read { conn in
            try await conn.exec("UPDATE devices SET last_seen = \(now) WHERE run_id = \(run) AND device >= \(first) AND device < \(end)")
        }
    }

    public func releaseLeases(run: Int64, device: Int) async throws -> Int {
        try await read { conn in
            try await conn.rows("""
                UPDATE tasks SET state = 'pending', lease_expiry = NULL WHERE run_id = \(run) AND device = \(device) AND state = 'leased' RETURNING 1
                """).collect().count
        }
    }

    // MARK: Leases

    public func readyDevices(run: Int64, first: Int, end: Int) async throws -> [Int] {
        try await read { conn in
            try await conn.rows("""
                SELECT DISTINCT t.device FROM tasks t
                WHERE t.run_id = \(run) AND t.device >= \(first) AND t.device < \(end) AND t.state = 'pending'
                  AND NOT EXISTS (SELECT 1 FROM tasks u WHERE u.run_id = t.run_id AND u.device = t.device AND u.state = 'leased')
                ORDER BY t.device
                """).decode(Int.self).array()
        }
    }

    public func leaseNext(run: Int64, devices: [Int], leaseUntil: Double, specBudget: Int) async throws -> [StoredTask] {
        guard !devices.isEmpty else { return [] }
        return try await read { conn in
            // One statement, atomic by itself (a poll is 2 round trips, not a transaction's 5):
            // - each device's first open task, if it is pending: a device with a task leased has
            //   it first among its open ones (tasks are leased in order, one at a time). A task
            //   another replica is leasing right now is locked and skipped, and the device waits
            //   for the next poll — it does not get its second task instead, because its first
            //   is still open and earlier;
            // - in the order the devices were given, as long as the specs' running total stays
            //   within the budget (the first always goes: the tasks travel in one message);
            // - leased, and returned with the position that orders them.
            var leased: [(ord: Int, task: StoredTask)] = []
            for row in try await conn.rows("""
                WITH picked AS (
                  SELECT t.id, d.ord, length(t.spec) AS bytes
                  FROM unnest(\(devices)::bigint[]) WITH ORDINALITY AS d(device, ord)
                  CROSS JOIN LATERAL (
                    SELECT u.id, u.spec FROM tasks u
                    WHERE u.run_id = \(run) AND u.device = d.device AND u.state = 'pending'
                      AND NOT EXISTS (SELECT 1 FROM tasks v WHERE v.run_id = u.run_id AND v.device = u.device
                                      AND v.state IN ('pending', 'leased') AND (v.round_id, v.seq) < (u.round_id, u.seq))
                    ORDER BY u.round_id, u.seq LIMIT 1
                    FOR UPDATE SKIP LOCKED) t
                ), running AS (
                  SELECT id, ord, sum(bytes) OVER (ORDER BY ord) AS total, min(ord) OVER () AS first FROM picked
                )
                UPDATE tasks t SET state = 'leased', lease_expiry = \(leaseUntil)
                FROM running r
                WHERE t.id = r.id AND (r.total <= \(specBudget) OR r.ord = r.first)
                RETURNING r.ord, \(unescaped: Self.taskColumns)
                """).collect() {
                guard let ord = try row.first?.decode(Int.self) else { throw FleetError.store("a lease row without its position") }
                leased.append((ord, try Self.task(row, from: 1)))
            }
            leased.sort { $0.ord < $1.ord }
            return try await self.withBlobs(leased.map(\.task), conn)
        }
    }

    public func deviceHoldsLease(run: Int64, device: Int, on sha256: [UInt8]) async throws -> Bool {
        try await read { conn in
            try await Self.one(conn.rows("""
                SELECT EXISTS (SELECT 1 FROM task_blobs b JOIN tasks t ON t.id = b.task_id
                               WHERE t.run_id = \(run) AND t.device = \(device) AND t.state = 'leased' AND b.sha256 = \(ByteBuffer(bytes: sha256)))
                """).decode(Bool.self))
        }
    }

    public func task(_ id: Int64) async throws -> StoredTask? {
        try await transaction { conn in try await self.tasks(where: "t.id = $1", id, conn).first }
    }

    public func taskOwner(_ id: Int64) async throws -> (run: Int64, device: Int)? {
        try await read { conn in
            try await conn.rows("SELECT run_id, device FROM tasks WHERE id = \(id)").decode((Int64, Int).self).array()
                .first.map { (run: $0.0, device: $0.1) }
        }
    }

    // MARK: Results

    public func recordResults(_ entries: [ResultEntry], now: Double) async throws -> [RecordOutcome] {
        guard !entries.isEmpty else { return [] }
        return try await transaction { conn in
            // Lock every task of the batch first, in id order: a replica recording the same task
            // waits here and then sees it done (a duplicate), and two batches never deadlock.
            var rows: [Int64: (device: Int, state: String, run: Int64)] = [:]
            let ids = Array(Set(entries.map(\.task))).sorted()
            for try await (id, device, state, run) in try await conn.rows("""
                SELECT id, device, state, run_id FROM tasks WHERE id = ANY(\(ids)::bigint[]) ORDER BY id FOR UPDATE
                """).decode((Int64, Int, String, Int64).self) {
                rows[id] = (device, state, run)
            }
            var outcomes: [RecordOutcome] = []
            var recorded: [ResultEntry] = []
            for entry in entries {
                guard let row = rows[entry.task] else { outcomes.append(.unknownTask); continue }
                guard row.device == entry.device else { outcomes.append(.wrongDevice(owner: row.device)); continue }
                switch TaskState(rawValue: row.state) {
                case .done: outcomes.append(.duplicate); continue
                case .dropped: outcomes.append(.dropped); continue
                case .pending, .leased, nil: break
                }
                guard entry.blobBytes.count == entry.result.blobs.count else {
                    throw FleetError.store("a result for task \(entry.task) names \(entry.result.blobs.count) blobs but carries \(entry.blobBytes.count)")
                }
                rows[entry.task]?.state = TaskState.done.rawValue
                outcomes.append(.recorded)
                recorded.append(entry)
            }
            guard !recorded.isEmpty else { return outcomes }
            try await self.put(recorded.flatMap { zip($0.result.blobs, $0.blobBytes).map { (ref: $0.0, bytes: $0.1) } }, conn)
            let recordedIDs = recorded.map(\.task)
            // The tasks marked done and their results written in one statement.
            try await conn.exec("""
                WITH done AS (UPDATE tasks SET state = 'done', lease_expiry = NULL WHERE id = ANY(\(recordedIDs)::bigint[]))
                INSERT INTO results (task_id, spec, failure, received_at)
                SELECT u.id, u.spec, CASE WHEN u.failed THEN u.failure END, \(now)
                FROM unnest(\(recordedIDs)::bigint[], \(recorded.map { ByteBuffer(bytes: $0.result.spec) })::bytea[],
                            \(recorded.map { $0.result.failure != nil })::boolean[], \(recorded.map { $0.result.failure ?? "" })::text[])
                  AS u(id, spec, failed, failure)
                """)
            try await self.insertBlobLists(into: .resultBlobs, recorded.map { (task: $0.task, blobs: $0.result.blobs) }, conn)
            for run in Set(recorded.compactMap { rows[$0.task]?.run }).sorted() { try await Self.notify(run, conn) }
            return outcomes
        }
    }

    /// The tables that list a task's or a result's objects in order.
    enum BlobListTable: String {
        case taskBlobs = "task_blobs", resultBlobs = "result_blobs"
    }

    /// Writes each task's object list (position by position) in one statement.
    private func insertBlobLists(into table: BlobListTable, _ lists: [(task: Int64, blobs: [BlobRef])], _ conn: PostgresConnection) async throws {
        var taskIDs: [Int64] = [], positions: [Int] = [], hashes: [ByteBuffer] = []
        for list in lists {
            for (position, blob) in list.blobs.enumerated() {
                taskIDs.append(list.task)
                positions.append(position)
                hashes.append(ByteBuffer(bytes: blob.sha256))
            }
        }
        guard !taskIDs.isEmpty else { return }
        try await conn.exec("""
            INSERT INTO \(unescaped: table.rawValue) (task_id, position, sha256)
            SELECT * FROM unnest(\(taskIDs)::bigint[], \(positions)::bigint[], \(hashes)::bytea[])
            """)
    }

    // MARK: Counts

    public func openTaskCount(round: Int64) async throws -> Int {
        try await read { conn in
            try await Self.one(conn.rows("SELECT COUNT(*)::bigint FROM tasks WHERE round_id = \(round) AND state IN ('pending', 'leased')").decode(Int.self))
        }
    }

    public func counts(run: Int64, seenSince: Double) async throws -> StoreCounts {
        try await transaction { conn in
            var tasks: [TaskState: Int] = [:]
            for state in TaskState.allCases { tasks[state] = 0 }
            for try await (state, n) in try await conn.rows("SELECT state, COUNT(*)::bigint FROM tasks WHERE run_id = \(run) GROUP BY state").decode((String, Int).self) {
                if let state = TaskState(rawValue: state) { tasks[state] = n }
            }
            // Infinity is a double PostgreSQL compares like any other.
            let (registered, seen) = try await Self.one(conn.rows("""
                SELECT COUNT(*)::bigint, COUNT(*) FILTER (WHERE last_seen >= \(seenSince))::bigint FROM devices WHERE run_id = \(run)
                """).decode((Int, Int).self))
            return StoreCounts(tasks: tasks, devicesRegistered: registered, devicesSeenSince: seen)
        }
    }
}

/// Set once the pool's task is running.
final class StartFlag: Sendable {
    let value = Atomic<Bool>(false)
}
