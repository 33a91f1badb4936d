// The PostgreSQL store's rows: tasks read with their blobs, in round and item order.

import DCLFleet
import NIOCore
import PostgresNIO

extension PostgresFleetStore {
    static let taskColumns = "t.id, t.run_id, t.round_id, t.seq, t.device, t.kind, t.spec, t.state, t.drop_reason"

    /// Tasks matching `condition` (on `tasks t`, with one parameter `$1`), in round and item order,
    /// with their blobs.
    func tasks(where condition: String, _ parameter: Int64, _ conn: PostgresConnection) async throws -> [StoredTask] {
        var bindings = PostgresBindings()
        bindings.append(parameter)
        let rows = try await conn.rows(PostgresQuery(unsafeSQL: "SELECT \(Self.taskColumns) FROM tasks t WHERE \(condition) ORDER BY t.round_id, t.seq",
                                                      binds: bindings)).collect()
        return try await withBlobs(rows, conn)
    }

    /// For each device in order, its first open task when that one is pending and not locked by
    /// another transaction, locked for this one.
    func tasks(lateralFor devices: [Int], run: Int64, _ conn: PostgresConnection) async throws -> [StoredTask] {
        let rows = try await conn.rows("""
            SELECT \(unescaped: Self.taskColumns)
            FROM unnest(\(devices)::bigint[]) WITH ORDINALITY AS d(device, ord)
            CROSS JOIN LATERAL (
              SELECT * FROM tasks t
              WHERE t.run_id = \(run) AND t.device = d.device AND t.state = 'pending'
                AND NOT EXISTS (SELECT 1 FROM tasks u WHERE u.run_id = t.run_id AND u.device = t.device
                                AND u.state IN ('pending', 'leased') AND (u.round_id, u.seq) < (t.round_id, t.seq))
              ORDER BY t.round_id, t.seq LIMIT 1
              FOR UPDATE SKIP LOCKED) t
            ORDER BY d.ord
            """).collect()
        return try await withBlobs(rows, conn)
    }

    func withBlobs(_ rows: [PostgresRow], _ conn: PostgresConnection) async throws -> [StoredTask] {
        var tasks: [StoredTask] = []
        tasks.reserveCapacity(rows.count)
        for row in rows {
            let (id, run, round, seq, device, kind, spec, stateText, dropReason) =
                try row.decode((Int64, Int64, Int64, Int, Int, String, ByteBuffer, String, String?).self)
            guard let state = TaskState(rawValue: stateText) else { throw FleetError.store("task \(id) has unknown state `\(stateText)`") }
            tasks.append(StoredTask(id: id, run: run, round: round, seq: seq, device: device, kind: kind, spec: Array(spec.readableBytesView),
                                    blobs: [], state: state, dropReason: dropReason))
        }
        guard !tasks.isEmpty else { return [] }
        var index: [Int64: Int] = [:]
        for (i, task) in tasks.enumerated() { index[task.id] = i }
        for try await (id, sha, size) in try await conn.rows("""
            SELECT b.task_id, b.sha256, o.size FROM task_blobs b JOIN objects o ON o.sha256 = b.sha256
            WHERE b.task_id = ANY(\(tasks.map(\.id))::bigint[]) ORDER BY b.task_id, b.position
            """).decode((Int64, ByteBuffer, Int).self) {
            if let i = index[id] { tasks[i].blobs.append(BlobRef(sha256: Array(sha.readableBytesView), size: size)) }
        }
        return tasks
    }
}
