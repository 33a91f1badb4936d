// `dcl serve` killed with SIGKILL mid-run and started again on the same SQLite store: it resumes
// the run — the script replays, every device task answered before the kill comes from the store
// instead of being sent again, the device host reconnects by itself — and prints what the
// in-process run prints.

import DCLFleet
import Foundation
import DCLTestScratch
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .ownThreads) struct DeployResumeTests {
    /// The `N done` of `dcl status`, or nil when the service does not answer.
    static func tasksDone(port: Int, token: String) throws -> Int? {
        let r = try runDCL(["status", "127.0.0.1:\(port)", "--join-token-file", token])
        guard r.status == 0, let line = r.stdout.split(separator: "\n").first(where: { $0.hasPrefix("tasks") }) else { return nil }
        let words = line.split(separator: " ")
        guard let i = words.firstIndex(where: { $0.hasPrefix("done") }), i > 0 else { return nil }
        return Int(words[i - 1])
    }

    @Test func aKilledServiceResumesOnItsStore() throws {
        let dir = try makeTemporaryDirectory("deploy-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try DeployLoopbackTests.script(in: dir)
        let local = try runDCL(["run", script])
        #expect(local.status == 0, "\(local.stderr)")
        let token = dir.appendingPathComponent("token").path
        try Data("0123456789abcdef0123456789abcdef".utf8).write(to: URL(fileURLWithPath: token))
        let storePath = dir.appendingPathComponent("fleet.sqlite").path
        let portFile = dir.appendingPathComponent("port").path
        let serveArgs = [script, "--join-token-file", token, "--store", "sqlite:\(storePath)", "--log-rounds", "--join-timeout", "60"]
        let first = try Background(["serve", "--listen", "127.0.0.1:0", "--port-file", portFile] + serveArgs)
        let port = try first.waitForFile(portFile)
        // Only devices 0 and 1 have a host: the service does their four tasks each (train alone,
        // evaluate it, the controlled round's device half, evaluate the sum), then waits for
        // device 2's host — and is killed there, with eight answers in its store.
        let early = try Background(["device", script, "--cloud", "127.0.0.1:\(port)", "--devices", "0..1", "--join-token-file", token])
        var done: Int?
        for _ in 0..<600 {
            done = try Self.tasksDone(port: port, token: token)
            if done == 8 { break }
            usleep(200_000)
        }
        try #require(done == 8, "the first service never reached 8 answered tasks; stderr: \(first.stderr)")
        first.kill()

        let second = try Background(["serve", "--listen", "127.0.0.1:\(port)"] + serveArgs)
        let late = try Background(["device", script, "--cloud", "127.0.0.1:\(port)", "--devices", "2..3", "--join-token-file", token])
        let r = second.finish(timeout: 180)
        let e = early.finish(timeout: 60), l = late.finish(timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(e.status == 0 && l.status == 0, "\(e.stderr)\n\(l.stderr)")
        #expect(DeployLoopbackTests.withoutTimes(r.stdout) == DeployLoopbackTests.withoutTimes(local.stdout))
        #expect(r.stderr.contains("resuming run 1 of the store") && r.stderr.contains("the 8 device tasks already answered"), "\(r.stderr)")
        // The replayed rounds: the eight answered before the kill, each from the store.
        let replayed = r.stderr.split(separator: "\n").filter { $0.contains("1 answered from the store") }
        #expect(replayed.count == 8, "\(r.stderr)")

        // In the store: one run, every task answered once, none dropped, the run finished.
        let store = try SQLiteFleetStore(path: storePath)
        let counts = try store.counts(run: 1, seenSince: 0)
        #expect(counts.tasks[.done] == 4 * 4 + 4 && counts.tasks[.pending] == 0 && counts.tasks[.leased] == 0 && counts.tasks[.dropped] == 0,
                "\(counts)")
        #expect(try store.counts(run: 2, seenSince: 0).tasks.values.reduce(0, +) == 0)
    }
}
