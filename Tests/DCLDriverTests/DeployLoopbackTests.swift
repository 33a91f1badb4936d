// `dcl run --deploy loopback`, `dcl serve` and `dcl device` as real processes on 127.0.0.1: the
// deployed run prints what the in-process run prints, byte for byte; a host that dies, a host
// with other data and a wrong join token each stop the run with a clear error, in bounded time.

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import DCLTestScratch
#endif

@Suite(.serialized, .ownThreads) struct DeployLoopbackTests {
    /// A DC-CCL-shaped run on the digits data: per-device training and evaluation on the
    /// hosts, a controlled round, and an evaluation of the whole fleet in one round.
    static func script(in dir: URL, partitionSeed: String = ", seed: 2") throws -> String {
        let digits = repositoryRoot.appendingPathComponent("Examples/data/digits/digits.csv").path
        return try writeScript("""
            import std.data
            import std.dcccl
            import std.nn
            param devices: int = 4
            let digits = digits_dataset("\(digits)", test: 0.2, seed: 0)
            model net {
              input x: [1, 8, 8]
              features { flatten |> linear(32) |> relu }
              head { linear(10) }
            }
            split base = vertical(net, device_width: 1 / 4, fuse: sum)
            distill control = base.cloud -> mlp(shape: [1, 8, 8], hidden: [16], classes: 10) { loss: mse }
            role cloud { data: digits.train |> take(600, seed: 1) }
            role device[devices] { data: digits.train |> drop(600, seed: 1) |> partition(dirichlet(0.5), test: 0.4\(partitionSeed)) }
            train base.cloud on cloud.data { epochs: 2, batch: 32, log: "none" }
            distill control on cloud.data { epochs: 2, batch: 32, log: "none" }
            for d in device {
              let alone = copy(base.device)
              train alone on d.train { epochs: 2, batch: 16, optimizer: adam(lr: 1e-2) }
              var co = copy(base.device)
              co = dcccl_round(co, control, d.train, cloud.data, epochs: 1)
              print "device {d.index}: alone {evaluate(alone, on: d.test).loss:.12f} dcccl {evaluate(base.cloud + co, on: d.test).loss:.12f}"
            }
            let fleet = evaluate(base, on: device.test)
            print table([{ metric: "accuracy", mean: fleet.accuracy, std: fleet.std.accuracy }], title: "fused model over {devices} devices")

            """, named: "deploy.dcl", in: dir)
    }

    /// Waits (up to 60 s) until `dcl status` reports `n` devices registered.
    static func waitUntilRegistered(_ n: Int, port: Int, token: String) throws {
        for _ in 0..<300 {
            let r = try runDCL(["status", "127.0.0.1:\(port)", "--join-token-file", token])
            if r.stdout.contains("\(n) registered") { return }
            usleep(200_000)
        }
        Issue.record("\(n) devices never registered")
        throw CancellationError()
    }

    /// The epoch lines carry wall-clock times: compare everything else.
    static func withoutTimes(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.contains("samples/s") }
    }

    /// CoDA on a tiny MovieLens-format file, as real processes: every device's data made on its
    /// host from its own part (`with_negatives`, `++` with the cloud samples its filters kept),
    /// the classifier and greedy filters training there.
    @Test func codaOnDerivedDataPrintsWhatTheInProcessRunPrints() throws {
        let dir = try makeTemporaryDirectory("deploy-coda")
        defer { try? FileManager.default.removeItem(at: dir) }
        try ToyRatings.csv.write(to: dir.appendingPathComponent("ratings.csv"), atomically: true, encoding: .utf8)
        let script = try writeScript(ToyRatings.codaScript + """

            for d in device {
              let test = d.test |> with_negatives(3, seed: 7)
              let local = d.train |> with_negatives(2)
              let candidates = pick.retrieve(d, cloud.pool)
              let kept = pick.filter(d, candidates)
              let tried = trial.filter(d, candidates)
              let m = copy(global)
              train m on local ++ kept { epochs: 2, batch: 8, log: "none" }
              let r = evaluate(m, on: test, k: 3)
              print "device {d.index}: {len(candidates)} {len(kept)} {len(tried)} {r.auc} {r.logloss:.12f}"
            }

            """, named: "coda.dcl", in: dir)
        let local = try runDCL(["run", script])
        #expect(local.status == 0, "\(local.stderr)")
        #expect(local.stdout.contains("device 2: "), "\(local.stdout)")
        let deployed = try runDCL(["run", script, "--deploy", "loopback", "--device-hosts", "2"])
        #expect(deployed.status == 0, "\(deployed.stderr)")
        #expect(deployed.stdout == local.stdout)
        #expect(deployed.stderr.contains("device tasks"), "\(deployed.stderr)")
    }

    @Test func loopbackPrintsWhatTheInProcessRunPrints() throws {
        let dir = try makeTemporaryDirectory("deploy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try Self.script(in: dir)
        let local = try runDCL(["run", script])
        #expect(local.status == 0, "\(local.stderr)")
        let deployed = try runDCL(["run", script, "--deploy", "loopback", "--device-hosts", "2"])
        #expect(deployed.status == 0, "\(deployed.stderr)")
        #expect(Self.withoutTimes(deployed.stdout) == Self.withoutTimes(local.stdout))
        #expect(local.stdout.contains("device 3: alone"))
        // Training progress is printed by the service, one line per epoch, as in process.
        #expect(deployed.stdout.components(separatedBy: "samples/s").count == local.stdout.components(separatedBy: "samples/s").count)
        #expect(deployed.stderr.contains("device tasks"), "\(deployed.stderr)")
    }

    @Test func deployOptionsAreChecked() throws {
        let dir = try makeTemporaryDirectory("deploy-usage")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try Self.script(in: dir)
        for (args, message) in [
            (["--deploy", "cloud"], "local"),
            (["--deploy", "loopback", "--seeds", "0..1"], "--seeds"),
            (["--deploy", "loopback", "--device-hosts", "0"], "--device-hosts"),
            (["--device-hosts", "2"], "--deploy loopback"),
            (["--deploy", "loopback", "--replicas", "2"], "--store postgres://"),
            (["--deploy", "loopback", "--replicas", "9", "--store", "postgres://u@127.0.0.1:1/d"], "1 to 8"),
            (["--replicas", "2"], "--deploy loopback"),
        ] {
            let r = try runDCL(["run", script] + args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        for mib in ["0", "-5", "99999999"] {
            let r = try runDCL(["device", script, "--cloud", "127.0.0.1:1", "--devices", "all", "--cache-mib", mib])
            #expect(r.status == 2 && r.stderr.contains("--cache-mib"), "\(mib): \(r.stderr)")
        }
    }

    /// A host started with another seed derives other partitions (the script gives `partition`
    /// no seed): the service's fingerprint check stops the run instead of using its numbers.
    @Test func hostWithOtherDataIsRefused() throws {
        let dir = try makeTemporaryDirectory("deploy-seed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try Self.script(in: dir, partitionSeed: "")
        let token = dir.appendingPathComponent("token").path
        try Data("0123456789abcdef0123456789abcdef".utf8).write(to: URL(fileURLWithPath: token))
        let portFile = dir.appendingPathComponent("port").path
        let serve = try Background(["serve", script, "--listen", "127.0.0.1:0", "--port-file", portFile, "--join-token-file", token,
                                    "--join-timeout", "20", "--task-timeout", "20"])
        let port = try serve.waitForFile(portFile)
        let host = try Background(["device", script, "--cloud", "127.0.0.1:\(port)", "--devices", "all", "--join-token-file", token, "--seed", "7"])
        let r = serve.finish(timeout: 120)
        _ = host.finish(timeout: 30)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("E0508") && r.stderr.contains("data on this host differs from the service's"), "\(r.stderr)")
    }

    /// A host killed (SIGKILL) while the run needs its devices: the service reports the device
    /// that dropped out (E0508) once the task's timeout passes, and exits; nothing hangs.
    @Test func killedHostIsReported() throws {
        let dir = try makeTemporaryDirectory("deploy-kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try Self.script(in: dir)
        let token = dir.appendingPathComponent("token").path
        try Data("0123456789abcdef0123456789abcdef".utf8).write(to: URL(fileURLWithPath: token))
        let portFile = dir.appendingPathComponent("port").path
        let serve = try Background(["serve", script, "--listen", "127.0.0.1:0", "--port-file", portFile, "--join-token-file", token,
                                    "--join-timeout", "20", "--task-timeout", "3"])
        let port = try serve.waitForFile(portFile)
        // The second host joins and dies before the first host exists, so the service (waiting
        // for device 0's host) cannot have reached devices 2 and 3 yet, however fast it runs.
        let second = try Background(["device", script, "--cloud", "127.0.0.1:\(port)", "--devices", "2..3", "--join-token-file", token])
        try Self.waitUntilRegistered(2, port: port, token: token)
        second.kill()
        let first = try Background(["device", script, "--cloud", "127.0.0.1:\(port)", "--devices", "0..1", "--join-token-file", token])
        let r = serve.finish(timeout: 180)
        _ = first.finish(timeout: 30)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("E0508"), "\(r.stderr)")
        #expect(r.stderr.contains("device 2"), "\(r.stderr)")
        #expect(r.stdout.contains("device 1: alone"), "\(r.stdout)")
    }

    /// A host killed (SIGKILL) after joining, in a role that tolerates dropouts: every
    /// whole-fleet round closes after the role's timeout with the other host's devices, the
    /// dropped ones are reported, and the run goes on to the end.
    @Test func toleratedDropoutsAreReportedAndTheRunGoesOn() throws {
        let dir = try makeTemporaryDirectory("deploy-tolerate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let digits = repositoryRoot.appendingPathComponent("Examples/data/digits/digits.csv").path
        let script = try writeScript("""
            import std.data
            import std.nn
            let digits = digits_dataset("\(digits)", test: 0.2, seed: 0)
            role device[4] {
              data: digits.test |> partition(iid(), test: 0.5, seed: 2)
              round { min_responses: 0.5, timeout: 2s }
            }
            let net = mlp(shape: [1, 8, 8], hidden: [32], classes: 10)
            for r in 0..3 {
              train net on digits.train { epochs: 4, batch: 16, log: "none" }
              let m = evaluate(net, on: device.test)
              print "round {r}: {m.count} samples"
            }

            """, named: "tolerate.dcl", in: dir)
        let token = dir.appendingPathComponent("token").path
        try Data("0123456789abcdef0123456789abcdef".utf8).write(to: URL(fileURLWithPath: token))
        let portFile = dir.appendingPathComponent("port").path
        let serve = try Background(["serve", script, "--listen", "127.0.0.1:0", "--port-file", portFile, "--join-token-file", token,
                                    "--join-timeout", "30"])
        let port = try serve.waitForFile(portFile)
        // The second host joins and dies before the first host exists: the service, waiting for
        // device 0's host, has not sent anything yet, so every round misses devices 2 and 3.
        let second = try Background(["device", script, "--cloud", "127.0.0.1:\(port)", "--devices", "2..3", "--join-token-file", token])
        try Self.waitUntilRegistered(2, port: port, token: token)
        second.kill()
        let first = try Background(["device", script, "--cloud", "127.0.0.1:\(port)", "--devices", "0..1", "--join-token-file", token])
        let r = serve.finish(timeout: 120)
        _ = first.finish(timeout: 30)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(lines)")
        // Every round closes at the role's timeout with devices 0 and 1, and says so.
        let counts = lines.compactMap { Int($0.split(separator: " ").dropFirst(2).first ?? "") }
        #expect(counts.count == 3 && Set(counts).count == 1, "\(lines)")
        let notices = r.stderr.components(separatedBy: "\n").filter { $0.contains("dropped out") }
        #expect(notices.count == 3 && notices.allSatisfy { $0.contains("2 of 4 devices dropped out (2, 3)") }, "\(r.stderr)")
    }

    @Test func wrongJoinTokenIsRefused() throws {
        let dir = try makeTemporaryDirectory("deploy-token")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try Self.script(in: dir)
        let token = dir.appendingPathComponent("token").path, wrong = dir.appendingPathComponent("wrong").path
        try Data("0123456789abcdef0123456789abcdef".utf8).write(to: URL(fileURLWithPath: token))
        try Data("fedcba9876543210fedcba9876543210".utf8).write(to: URL(fileURLWithPath: wrong))
        let portFile = dir.appendingPathComponent("port").path
        let serve = try Background(["serve", script, "--listen", "127.0.0.1:0", "--port-file", portFile, "--join-token-file", token,
                                    "--join-timeout", "3"])
        let port = try serve.waitForFile(portFile)
        let host = try Background(["device", script, "--cloud", "127.0.0.1:\(port)", "--devices", "all", "--join-token-file", wrong])
        let h = host.finish(timeout: 60)
        let r = serve.finish(timeout: 120)
        #expect(h.status != 0, "\(h.stderr)")
        #expect(h.stderr.lowercased().contains("token"), "\(h.stderr)")
        #expect(r.status == 3, "\(r.stderr)")
    }
}

/// A `dcl` child process whose output is collected into files while it runs.
final class Background {
    let process = Process()
    let outPath: String, errPath: String

    init(_ arguments: [String]) throws {
        let binary = try #require(dclExecutable(), "the dcl binary was not built next to the tests")
        let stamp = TestScratch.file("bg")
        outPath = stamp + ".out"
        errPath = stamp + ".err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"]
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
        unlink(outPath)
        unlink(errPath)
    }

    var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    /// The integer a file holds once written (the service's port file), within 60 s.
    func waitForFile(_ path: String) throws -> Int {
        for _ in 0..<600 {
            if let s = try? String(contentsOfFile: path, encoding: .utf8), let n = Int(s.trimmingCharacters(in: .whitespacesAndNewlines)) { return n }
            if !process.isRunning { break }
            usleep(100_000)
        }
        Issue.record("\(path) was not written; stderr: \(stderr)")
        throw CancellationError()
    }

    func waitForStdout(_ text: String) throws {
        for _ in 0..<1200 {
            if ((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "").contains(text) { return }
            usleep(100_000)
        }
        Issue.record("`\(text)` never appeared on standard output; stderr: \(stderr)")
        throw CancellationError()
    }

    func waitForStderr(_ text: String) throws {
        for _ in 0..<600 {
            if stderr.contains(text) { return }
            usleep(100_000)
        }
        Issue.record("`\(text)` never appeared; stderr: \(stderr)")
        throw CancellationError()
    }

    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Waits up to `timeout` seconds (then kills it) and returns its status and output.
    func finish(timeout: Double) -> ProcessResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            Issue.record("`dcl \(process.arguments?.first ?? "")` did not end within \(timeout) s")
            Glibc.kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "", stderr: stderr)
    }
}
