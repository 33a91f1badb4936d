// Stopping deployed processes with signals (real processes on 127.0.0.1): `dcl serve` on SIGTERM
// drains and exits 143 with a closing line; `dcl device` on SIGTERM leaves, and the service
// stops waiting for its devices at once instead of at the task timeout.

import Foundation
import DCLTestScratch
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .ownThreads) struct DeployStopTests {
    static func token(in dir: URL) throws -> String {
        let token = dir.appendingPathComponent("token").path
        try Data("0123456789abcdef0123456789abcdef".utf8).write(to: URL(fileURLWithPath: token))
        return token
    }

    @Test func serveDrainsOnSIGTERM() throws {
        let dir = try makeTemporaryDirectory("deploy-drain")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try DeployLoopbackTests.script(in: dir)
        let token = try Self.token(in: dir), portFile = dir.appendingPathComponent("port").path
        let store = dir.appendingPathComponent("fleet.sqlite").path
        let serve = try Background(["serve", script, "--listen", "127.0.0.1:0", "--port-file", portFile, "--join-token-file", token,
                                    "--store", "sqlite:\(store)", "--drain-timeout", "20"])
        let port = try serve.waitForFile(portFile)
        let host = try Background(["device", script, "--cloud", "127.0.0.1:\(port)", "--devices", "all", "--join-token-file", token])
        // Device work is under way: stop the service in the middle of the run.
        try serve.waitForStdout("device 0: alone")
        let sent = Date()
        Glibc.kill(serve.process.processIdentifier, SIGTERM)
        let r = serve.finish(timeout: 60)
        #expect(Date().timeIntervalSince(sent) < 40)
        #expect(r.status == 143, "\(r.stderr)")
        #expect(r.stderr.contains("SIGTERM: draining"), "\(r.stderr)")
        #expect(r.stderr.contains("stopped by SIGTERM after draining") && r.stderr.contains("closed in the store"), "\(r.stderr)")
        #expect(!r.stdout.contains("fused model"), "the run went on to the end: \(r.stdout)")
        // The host is told the run is over and exits by itself.
        let h = host.finish(timeout: 30)
        #expect(h.status == 0, "\(h.stderr)")
        #expect(FileManager.default.fileExists(atPath: store))
    }

    @Test func aHostStoppedWithSIGTERMLeavesAndTheServiceDoesNotWaitForIt() throws {
        let dir = try makeTemporaryDirectory("deploy-leave")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try DeployLoopbackTests.script(in: dir)
        let token = try Self.token(in: dir), portFile = dir.appendingPathComponent("port").path
        // A task timeout far beyond the test's bound: the run must not end by it.
        let serve = try Background(["serve", script, "--listen", "127.0.0.1:0", "--port-file", portFile, "--join-token-file", token,
                                    "--join-timeout", "60", "--task-timeout", "600"])
        let port = try serve.waitForFile(portFile)
        let second = try Background(["device", script, "--cloud", "127.0.0.1:\(port)", "--devices", "2..3", "--join-token-file", token])
        try DeployLoopbackTests.waitUntilRegistered(2, port: port, token: token)
        Glibc.kill(second.process.processIdentifier, SIGTERM)
        let s = second.finish(timeout: 30)
        #expect(s.status == 143, "\(s.stderr)")
        #expect(s.stderr.contains("left on SIGTERM"), "\(s.stderr)")
        // The service saw it leave: its devices are no longer connected.
        let status = try runDCL(["status", "127.0.0.1:\(port)", "--join-token-file", token])
        #expect(status.stdout.contains("2 registered, 0 connected"), "\(status.stdout)")
        let first = try Background(["device", script, "--cloud", "127.0.0.1:\(port)", "--devices", "0..1", "--join-token-file", token])
        let started = Date()
        let r = serve.finish(timeout: 180)
        _ = first.finish(timeout: 30)
        #expect(Date().timeIntervalSince(started) < 170)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("E0508") && r.stderr.contains("device 2"), "\(r.stderr)")
        // The service's log says when the host left, and which device a round dropped.
        #expect(r.stderr.contains("dcl serve: the host of devices 2..3 left"), "\(r.stderr)")
        #expect(r.stderr.contains("dcl serve: a host joined for devices 0..1"), "\(r.stderr)")
        #expect(r.stderr.contains("device 2 dropped"), "\(r.stderr)")
        #expect(r.stdout.contains("device 1: alone"), "\(r.stdout)")
    }
}
