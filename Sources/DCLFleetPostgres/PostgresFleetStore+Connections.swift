// How the PostgreSQL store talks to the server: every operation on a pooled connection within a
// deadline, transactions committed or rolled back as a whole, and the server's errors sorted into
// those worth retrying (`FleetError.storeUnavailable`) and the rest (`FleetError.store`).

import DCLFleet
import Logging
import NIOCore
import PostgresNIO

extension PostgresFleetStore {
    /// Runs `body` on a pooled connection (one statement, or several that need no transaction),
    /// within `operationDeadline`: the pool waits for a connection as long as the server is
    /// away, and a caller must not wait with it forever.
    func read<T: Sendable>(deadline: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = self.client
        return try await bounded(deadline: deadline) { try await client.withConnection { conn in try await body(conn) } }
    }

    /// Runs `work` within `deadline` (the operation's by default), with the server's errors
    /// sorted: transient ones become `FleetError.storeUnavailable`, the rest `FleetError.store`.
    func bounded<T: Sendable>(deadline: Duration? = nil, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let deadline = deadline ?? operationDeadline
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await work() }
                group.addTask {
                    try await Task.sleep(for: deadline)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw FleetError.storeUnavailable("\(self.url): no answer within \(deadline)")
                }
                return value
            }
        } catch let error as FleetError {
            throw error
        } catch {
            if Self.isTransient(error) { throw FleetError.storeUnavailable("\(url): \(Self.describe(error))") }
            throw FleetError.store("\(url): \(Self.describe(error))")
        }
    }

    /// Errors that a later try may not meet: the connection or the server went away, the server
    /// is starting or stopping, too many connections, or a transaction that lost a
    /// serialization or deadlock race.
    static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else {
            // The pool's own errors (a lease that timed out, a pool shutting down) and the
            // socket's; a row that does not decode is not transient.
            return error is ChannelError || error is IOError || String(describing: type(of: error)).contains("ConnectionPool")
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed, .queryCancelled:
            return true
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            // Class 08: connection exception; 57P01-03: admin/crash shutdown, cannot connect
            // now; 53300: too many connections; 40001/40P01: serialization failure, deadlock.
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300", "40001", "40P01"].contains(state)
        default:
            return false
        }
    }

    /// Runs `body` in a transaction on a pooled connection: committed when it returns, rolled
    /// back when it throws (its error is what the caller sees).
    func transaction<T: Sendable>(deadline: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await read(deadline: deadline) { conn in try await Self.inTransaction(conn, body) }
    }

    /// `body` between BEGIN and COMMIT on `conn`, rolled back when it throws.
    static func inTransaction<T: Sendable>(_ conn: PostgresConnection, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await conn.exec("BEGIN")
        do {
            let value = try await body(conn)
            try await conn.exec("COMMIT")
            return value
        } catch {
            // A connection that cannot roll back (cut off, or this task was cancelled at the
            // deadline) may still be inside the transaction: it is closed, so it is never used
            // again half-way through one.
            do { try await conn.exec("ROLLBACK") } catch { try? await conn.close() }
            throw error
        }
    }

    /// The one row a statement is known to return.
    static func one<T>(_ rows: AsyncThrowingMapSequence<PostgresRowSequence, T>) async throws -> T {
        for try await value in rows { return value }
        throw FleetError.store("a statement returned no row")
    }

    /// PostgresNIO keeps the server's message out of an error's description (it may quote data);
    /// the store's errors stay in the service's log, so the code and message are shown.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let info = error.serverInfo, let message = info[.message] {
                return "\(message)" + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            switch error.code {
            case .sslUnsupported: return "the server does not offer TLS, and the URL asks for it (sslmode=require)"
            case .authMechanismRequiresPassword: return "the server asks for a password (in the URL, or PGPASSWORD)"
            case .serverClosedConnection, .uncleanShutdown:
                return "the connection was closed before the server answered" + (error.underlying.map { " (\($0))" } ?? "")
            default: break
            }
            if let underlying = error.underlying {
                let text = "\(underlying)"
                // The socket's errors come wrapped several times over; the gist is at the end.
                if text.contains("Connection refused") { return "connection refused (no server listening there)" }
                if text.contains("timed out") || text.contains("connectTimeout") { return "the connection timed out" }
                if text.contains("No route to host") { return "no route to host" }
                return text
            }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

extension PostgresConnection {
    /// A statement's rows (typed as a PostgresQuery so that a literal is one: `query` is
    /// overloaded with the older API that takes a String and returns a future).
    func rows(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await self.query(query, logger: PostgresFleetStore.quiet)
    }

    /// Runs a statement whose rows (if any) do not matter.
    func exec(_ query: PostgresQuery) async throws {
        _ = try await self.query(query, logger: PostgresFleetStore.quiet).collect()
    }
}

extension AsyncSequence {
    /// Every element, in order (a decoded statement's rows).
    func array() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}
