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
        try await withBlobs(rows.map { try Self.task($0, from: 0) }, conn)
    }

    /// A task from `taskColumns`, starting at column `first` of the row.
    static func task(_ row: PostgresRow, from first: Int) throws -> StoredTask {
        let cells = Array(row)
        guard cells.count >= first + 9 else { throw FleetError.store("a task row has \(cells.count) columns") }
        func cell<T: PostgresDecodable>(_ i: Int, _ type: T.Type) throws -> T { try cells[first + i].decode(T.self) }
        let id = try cell(0, Int64.self), stateText = try cell(7, String.self)
        guard let state = TaskState(rawValue: stateText) else { throw FleetError.store("task \(id) has unknown state `\(stateText)`") }
        return StoredTask(id: id, run: try cell(1, Int64.self), round: try cell(2, Int64.self), seq: try cell(3, Int.self), device: try cell(4, Int.self),
                          kind: try cell(5, String.self), spec: Array(try cell(6, ByteBuffer.self).readableBytesView),
                          blobs: [], state: state, dropReason: try cell(8, String?.self))
    }

    /// The tasks with their blobs (one statement for all of them).
    func withBlobs(_ tasks: [StoredTask], _ conn: PostgresConnection) async throws -> [StoredTask] {
        var tasks = tasks
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
