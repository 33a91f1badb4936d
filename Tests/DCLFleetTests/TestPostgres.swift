// The PostgreSQL server the store tests use: DCL_TEST_POSTGRES_URL names it (its `postgres`
// database; `Scripts/postgres-cluster.sh start DIR` starts a throwaway one and prints the URL).
// Each test gets a database of its own, dropped at the end. Without the variable the PostgreSQL
// cases are left out, unless DCL_REQUIRE_POSTGRES=1 (CI sets it): then they fail, saying why.

import Foundation
import GRDB
import Logging
import NIOPosix
import PostgresNIO
import Testing
import DCLTestScratch
@testable import DCLFleet
@testable import DCLFleetPostgres
@testable import DCLDriver

enum TestPostgres {
    static let serverURL = ProcessInfo.processInfo.environment["DCL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let required = ProcessInfo.processInfo.environment["DCL_REQUIRE_POSTGRES"] == "1"
    private static let counter = Counter()

    /// Runs `sql` (no rows wanted) on database `database` of the test server.
    static func execute(_ sql: String, database: String) async throws {
        let server = try server()
        let configuration = PostgresConnection.Configuration(host: server.host, port: server.port, username: server.user,
                                                             password: server.password, database: database, tls: .disable)
        let connection = try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                                                              id: 1, logger: Logger(label: "dcl.tests.postgres"))
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "dcl.tests.postgres")).collect()
        } catch {
            try? await connection.close()
            throw FleetError.store(PostgresFleetStore.describe(error))
        }
        try await connection.close()
    }

    static func server() throws -> PostgresStoreURL {
        guard let serverURL else {
            throw FleetError.store("DCL_REQUIRE_POSTGRES=1 but DCL_TEST_POSTGRES_URL is not set (Scripts/postgres-cluster.sh start DIR prints one)")
        }
        return try PostgresStoreURL(serverURL)
    }

    /// A new empty database on the test server.
    static func createDatabase() async throws -> PostgresStoreURL {
        var url = try server()
        url.database = "dcl_test_\(getpid())_\(counter.next())_\(UInt32.random(in: 0...UInt32.max))"
        try await execute("CREATE DATABASE \(url.database)", database: try server().database)
        return url
    }

    static func dropDatabase(_ url: PostgresStoreURL) async {
        try? await execute("DROP DATABASE IF EXISTS \(url.database) WITH (FORCE)", database: (try? server().database) ?? "postgres")
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
    }
}

/// The stores every store test runs against.
enum StoreKind: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }

    static let all: [StoreKind] = TestPostgres.serverURL != nil || TestPostgres.required ? [.sqlite, .postgres] : [.sqlite]
}

/// A fresh store of one kind that can be opened again (a restarted service, another replica)
/// and is removed at the end.
final class StoreUnderTest: @unchecked Sendable {
    let kind: StoreKind
    private let sqlitePath: String?
    private let postgres: PostgresStoreURL?
    private var opened: [PostgresFleetStore] = []
    private(set) var store: any FleetStore

    init(_ kind: StoreKind) async throws {
        self.kind = kind
        switch kind {
        case .sqlite:
            let path = try TestScratch.directory("fleet-store").appendingPathComponent("fleet.sqlite").path
            sqlitePath = path
            postgres = nil
            store = try SQLiteFleetStore(path: path)
        case .postgres:
            let url = try await TestPostgres.createDatabase()
            sqlitePath = nil
            postgres = url
            let store = try await PostgresFleetStore.open(url)
            opened.append(store)
            self.store = store
        }
    }

    /// The same store opened anew, as a restarted service or a second replica opens it.
    func openAgain() async throws -> any FleetStore {
        if let sqlitePath { return try SQLiteFleetStore(path: sqlitePath) }
        let store = try await PostgresFleetStore.open(postgres!)
        opened.append(store)
        return store
    }

    /// Records a schema migration this dcl does not know, as a newer dcl would.
    func recordForeignMigration() async throws {
        if let sqlitePath {
            try Self.recordForeignMigration(sqlite: sqlitePath)
        } else {
            try await TestPostgres.execute("INSERT INTO dcl_migrations (identifier, applied_at) VALUES ('v99-from-the-future', 0)", database: postgres!.database)
        }
    }

    /// Synchronously, through GRDB's blocking API (a test's write to the file, as before).
    private static func recordForeignMigration(sqlite path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')") }
        try queue.close()
    }

    func appliedMigrations() async throws -> [String] {
        switch store {
        case let s as SQLiteFleetStore: return try s.appliedMigrations()
        case let s as PostgresFleetStore: return try await s.appliedMigrations()
        default: return []
        }
    }

    func remove() async {
        for store in opened { await store.close() }
        if let postgres { await TestPostgres.dropDatabase(postgres) }
    }
}

/// A PostgreSQL cluster of a test's own (Scripts/postgres-cluster.sh), for the tests that stop and
/// restart the server: the shared test server must not go away under the other tests.
final class TestCluster: Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts/postgres-cluster.sh").path
    /// Whether this machine has PostgreSQL's server programs (or CI says it must).
    static let available: Bool = TestPostgres.required
        || ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).contains {
            FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/pg_ctl")
        }

    let directory: String
    let url: PostgresStoreURL

    private init(directory: String, url: PostgresStoreURL) {
        self.directory = directory
        self.url = url
    }

    /// A new cluster, started. (The script runs for seconds: off the cooperative threads, which
    /// the other tests running beside this one need.)
    static func start() async throws -> TestCluster {
        let directory = try TestScratch.directory("postgres-cluster").appendingPathComponent("cluster").path
        // A free port: bound, read and released (the server binds it a moment later).
        let port = try freePort()
        let output = try await offPool { try run(["start", directory, "\(port)"]) }
        return TestCluster(directory: directory, url: try PostgresStoreURL(output.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    func stopServer() async throws { let d = directory; _ = try await Self.offPool { try Self.run(["stop", d]) } }
    func restartServer() async throws { let d = directory; _ = try await Self.offPool { try Self.run(["restart", d]) } }

    private static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
    /// Stops the server if it runs (at the end of a test, whatever happened).
    func remove() { _ = try? Self.run(["stop", directory]) }

    /// Runs the script to its end (the project's one child-process mechanism: posix_spawn, the
    /// output through files, so a server it starts holds no pipe of ours open).
    @discardableResult
    private static func run(_ arguments: [String]) throws -> String {
        let run = try ChildProcess.run("/bin/bash", [script] + arguments)
        guard run.status == 0, !run.signalled else {
            throw FleetError.store("postgres-cluster.sh \(arguments.joined(separator: " ")) failed: \(run.stderr)")
        }
        return run.stdout
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FleetError.store("no socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw FleetError.store("cannot bind a port") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
