// What replicas sharing this store need (SharedFleetStore): one run opened under a key however
// many replicas start at once, the driver's claim and its fenced transitions, the run's state
// for the replicas that do not drive, and notices of changes (LISTEN/NOTIFY on one channel per
// run) so that a replica wakes when another one records a result or opens a round.

import DCLFleet
import Foundation
import NIOCore
import PostgresNIO

extension PostgresFleetStore: SharedFleetStore {
    public func openRun(key: [UInt8], now: Double) async throws -> (run: Int64, resumed: Bool) {
        guard key.count == Digest.hashBytes else { throw FleetError.store("a run key is \(Digest.hashBytes) bytes, not \(key.count)") }
        // The key's first eight bytes name a transaction lock: replicas opening the same run
        // queue here, and the first one's new run is the others' unfinished one.
        let lock = key.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
        return try await transaction { conn in
            try await conn.exec("SELECT pg_advisory_xact_lock(\(lock))")
            if let run = try await conn.rows("""
                SELECT id FROM runs WHERE key = \(ByteBuffer(bytes: key)) AND NOT finished ORDER BY id DESC LIMIT 1
                """).decode(Int64.self).array().first {
                return (run, true)
            }
            let run = try await Self.one(conn.rows("INSERT INTO runs (created_at, key) VALUES (\(now), \(ByteBuffer(bytes: key))) RETURNING id").decode(Int64.self))
            return (run, false)
        }
    }

    public func claimDriver(run: Int64) async throws -> Bool {
        try await driver.claim(run: run) { try await self.dedicatedConnection() }
    }

    public func holdsDriver(run: Int64) async -> Bool {
        await driver.holds(run: run)
    }

    public func runState(run: Int64) async throws -> SharedRunState {
        try await read { conn in
            let rows = try await conn.rows("""
                SELECT r.finished, o.number, o.id, o.deadline FROM runs r
                LEFT JOIN LATERAL (SELECT number, id, deadline FROM rounds WHERE run_id = r.id AND NOT closed ORDER BY number DESC LIMIT 1) o ON TRUE
                WHERE r.id = \(run)
                """).decode((Bool, Int64?, Int64?, Double?).self).array()
            guard let (finished, number, id, deadline) = rows.first else { throw FleetError.store("no run \(run) in the store") }
            if let number, let id, let deadline { return SharedRunState(round: (number, id, deadline), finished: finished) }
            return SharedRunState(round: nil, finished: finished)
        }
    }

    public func devicesSeen(run: Int64, first: Int, end: Int, since: Double) async throws -> [Int] {
        try await read { conn in
            try await conn.rows("""
                SELECT device FROM devices WHERE run_id = \(run) AND device >= \(first) AND device < \(end) AND last_seen >= \(since) ORDER BY device
                """).decode(Int.self).array()
        }
    }

    public func changes(run: Int64) -> AsyncStream<Void> {
        let channel = Self.channel(run)
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let listening = Task {
            var delay = Duration.milliseconds(100)
            while !Task.isCancelled {
                if let conn = try? await self.dedicatedConnection() {
                    await withTaskCancellationHandler {
                        _ = try? await conn.listen(on: channel) { notices in
                            // Listening (again): what changed while nobody listened is re-read.
                            continuation.yield()
                            delay = .milliseconds(100)
                            for try await _ in notices { continuation.yield() }
                        }
                    } onCancel: {
                        conn.close().whenComplete { _ in }
                    }
                    try? await conn.close()
                }
                continuation.yield()
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in listening.cancel() }
        return stream
    }

    /// The channel a run's changes are notified on.
    static func channel(_ run: Int64) -> String { "dcl_run_\(run)" }

    /// Tells the replicas listening that the run changed (delivered when the transaction commits).
    static func notify(_ run: Int64, _ conn: PostgresConnection) async throws {
        try await conn.exec("SELECT pg_notify(\(channel(run)), '')")
    }

    /// A transition of `run` (opening, closing a round, finishing the run): on the driver's
    /// claimed connection when this store claimed the run, so that only the lock's holder can
    /// make it; on a pooled connection otherwise.
    func driverTransaction<T: Sendable>(run: Int64, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        guard let conn = try await bounded(deadline: connectTimeout + operationDeadline, {
            try await self.driver.connectionForTransition(run: run) { try await self.dedicatedConnection() }
        }) else {
            return try await transaction(body)
        }
        do {
            return try await bounded { try await Self.inTransaction(conn, body) }
        } catch let error as FleetError {
            if case .storeUnavailable = error { await driver.lost(conn) }
            throw error
        }
    }
}
