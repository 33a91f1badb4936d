// `dcl serve` replicas sharing one PostgreSQL store (docs/deploy.md, "Scale-out"): the driving
// replica killed with SIGKILL mid-run, and the other takes the run over — its hosts, which know
// both replicas, go on through it — and prints what the in-process run prints; in the store
// every task is answered exactly once. And `dcl run --deploy loopback --replicas 2`.
//
// Needs a PostgreSQL server: DCL_TEST_POSTGRES_URL (Scripts/postgres-cluster.sh start DIR
// prints one); skipped without it unless DCL_REQUIRE_POSTGRES=1 (CI), which makes it fail.

import Foundation
import DCLTestScratch
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The test server's URL (DCL_TEST_POSTGRES_URL), and whether a missing one fails the tests.
private let replicaServerURL = ProcessInfo.processInfo.environment["DCL_TEST_POSTGRES_URL"]
private let replicaServerRequired = ProcessInfo.processInfo.environment["DCL_REQUIRE_POSTGRES"] == "1"

@Suite(.serialized, .enabled(if: replicaServerURL != nil || replicaServerRequired), .ownThreads)
struct DeployReplicaTests {
    static var serverURL: String? { replicaServerURL }

    /// A new database on the test server; its URL.
    static func createDatabase(_ name: String) throws -> String {
        let server = try #require(serverURL, "DCL_REQUIRE_POSTGRES=1 but DCL_TEST_POSTGRES_URL is not set")
        let database = "dcl_test_\(name)_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        _ = try psql(server, "CREATE DATABASE \(database)")
        return server[..<server.lastIndex(of: "/")!] + "/" + database
    }

    static func dropDatabase(_ url: String) {
        guard let server = serverURL, let name = url.split(separator: "/").last else { return }
        _ = try? psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// The rows `sql` returns, one line each with `|` between columns.
    static func psql(_ url: String, _ sql: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "psql failed on: \(sql)")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aKilledDriverIsTakenOverByAnotherReplica() throws {
        let dir = try makeTemporaryDirectory("deploy-replicas")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try DeployLoopbackTests.script(in: dir)
        let local = try runDCL(["run", script])
        #expect(local.status == 0, "\(local.stderr)")
        let url = try Self.createDatabase("replicas")
        defer { Self.dropDatabase(url) }
        let token = dir.appendingPathComponent("token").path
        try Data("0123456789abcdef0123456789abcdef".utf8).write(to: URL(fileURLWithPath: token))
        let path = { (name: String) in dir.appendingPathComponent(name).path }
        let replicas = try (0..<2).map { i in
            try Background(["serve", script, "--listen", "127.0.0.1:0", "--port-file", path("port-\(i)"), "--driver-file", path("driver-\(i)"),
                            "--join-token-file", token, "--store", url, "--log-rounds", "--join-timeout", "60"])
        }
        let ports = try replicas.enumerated().map { i, r in try r.waitForFile(path("port-\(i)")) }
        let cloud = { (order: [Int]) in order.map { "127.0.0.1:\(ports[$0])" }.joined(separator: ",") }
        // Only devices 0 and 1 have a host at first: the driver does their eight tasks (train
        // alone, evaluate, the controlled round's device half, evaluate the sum, each), then
        // waits for device 2's host — and is killed there, whichever replica it is.
        var hosts = [try Background(["device", script, "--cloud", cloud([0, 1]), "--devices", "0..1", "--join-token-file", token])]
        var driver: Int?
        var done: Int?
        for _ in 0..<600 {
            driver = (0..<2).first { FileManager.default.fileExists(atPath: path("driver-\($0)")) }
            if let d = driver { done = try DeployResumeTests.tasksDone(port: ports[d], token: token) }
            if done == 8 { break }
            usleep(200_000)
        }
        let killed = try #require(driver, "no replica began driving; stderr: \(replicas[0].stderr)\n\(replicas[1].stderr)")
        try #require(done == 8, "the driver never reached 8 answered tasks; stderr: \(replicas[killed].stderr)")
        replicas[killed].kill()
        hosts.append(try Background(["device", script, "--cloud", cloud([1, 0]), "--devices", "2..3", "--join-token-file", token]))
        let survivor = replicas[1 - killed].finish(timeout: 240)
        let h = hosts.map { $0.finish(timeout: 60) }
        #expect(survivor.status == 0, "\(survivor.stderr)")
        #expect(h.allSatisfy { $0.status == 0 }, "\(h.map(\.stderr))")
        #expect(DeployLoopbackTests.withoutTimes(survivor.stdout) == DeployLoopbackTests.withoutTimes(local.stdout))
        #expect(survivor.stderr.contains("took over driving run 1"), "\(survivor.stderr)")
        // The eight rounds answered before the kill came from the store, not from the hosts again.
        let replayed = survivor.stderr.split(separator: "\n").filter { $0.contains("1 answered from the store") }
        #expect(replayed.count == 8, "\(survivor.stderr)")
        // One run; every task answered once (a result row per done task), none dropped or open.
        #expect(try Self.psql(url, "SELECT count(*) FROM runs") == "1")
        #expect(try Self.psql(url, "SELECT state || ' ' || count(*) FROM tasks GROUP BY state") == "done 20")
        #expect(try Self.psql(url, "SELECT count(*) FROM results") == "20")
        #expect(try Self.psql(url, "SELECT finished FROM runs") == "t")
    }

    @Test func loopbackWithReplicasPrintsWhatTheInProcessRunPrints() throws {
        let dir = try makeTemporaryDirectory("deploy-loopback-replicas")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try DeployLoopbackTests.script(in: dir)
        let local = try runDCL(["run", script])
        let url = try Self.createDatabase("loopback")
        defer { Self.dropDatabase(url) }
        let deployed = try runDCL(["run", script, "--deploy", "loopback", "--replicas", "2", "--store", url])
        #expect(deployed.status == 0, "\(deployed.stderr)")
        #expect(DeployLoopbackTests.withoutTimes(deployed.stdout) == DeployLoopbackTests.withoutTimes(local.stdout))
        #expect(deployed.stderr.contains("another replica drives it") && deployed.stderr.contains("finished by another replica"), "\(deployed.stderr)")
    }
}
