// `--log-format json` on `dcl serve` and `dcl device` (real processes on 127.0.0.1): every line
// on standard error is one JSON object with time, level, command, event and message, and the
// events carry their fields — the bound address, each round's bytes, the closing counts.

import Foundation
import DCLTestScratch
import Testing

@Suite(.serialized, .ownThreads) struct DeployLogTests {
    /// Standard error's lines as JSON objects; records an issue for any line that is not one.
    static func objects(_ stderr: String, command: String) -> [[String: Any]] {
        var out: [[String: Any]] = []
        for line in stderr.split(separator: "\n") {
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                Issue.record("not a JSON object: \(line)")
                continue
            }
            #expect(o["command"] as? String == command, "\(line)")
            for key in ["time", "level", "event", "message"] { #expect(o[key] is String, "\(key) missing: \(line)") }
            if let t = o["time"] as? String { #expect(t.hasSuffix("Z") && t.count == 24, "\(t)") }
            out.append(o)
        }
        return out
    }

    @Test func serveAndDeviceWriteOneJSONObjectPerEvent() throws {
        let dir = try makeTemporaryDirectory("deploy-log")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try DeployLoopbackTests.script(in: dir)
        let token = try DeployStopTests.token(in: dir), portFile = dir.appendingPathComponent("port").path
        let serve = try Background(["serve", script, "--listen", "127.0.0.1:0", "--port-file", portFile, "--join-token-file", token,
                                    "--log-format", "json", "--log-rounds", "--quiet"])
        let port = try serve.waitForFile(portFile)
        let host = try Background(["device", script, "--cloud", "127.0.0.1:\(port)", "--devices", "all", "--join-token-file", token,
                                   "--log-format", "json"])
        let s = serve.finish(timeout: 240), h = host.finish(timeout: 60)
        #expect(s.status == 0 && h.status == 0, "\(s.stderr)\n\(h.stderr)")

        let served = Self.objects(s.stderr, command: "serve")
        let events = served.compactMap { $0["event"] as? String }
        #expect(events.first == "listening" && events.last == "finished", "\(events)")
        let listening = try #require(served.first)
        #expect(listening["address"] as? String == "127.0.0.1:\(port)" && listening["tls"] as? Bool == false, "\(listening)")
        let joined = served.filter { $0["event"] as? String == "host-joined" }
        #expect(joined.count == 1 && joined.first?["first_device"] as? Int == 0 && joined.first?["rejoined"] as? Int == 0, "\(joined)")
        let rounds = served.filter { $0["event"] as? String == "round" }
        #expect(!rounds.isEmpty)
        for r in rounds {
            #expect(r["round"] is Int && r["kind"] is String && r["devices"] is Int, "\(r)")
            #expect((r["bytes_down"] as? Int ?? 0) > 0 && (r["bytes_up"] as? Int ?? 0) > 0, "\(r)")
        }
        let finished = try #require(served.last)
        #expect(finished["tasks"] as? Int == rounds.count, "\(finished)")
        #expect(finished["bytes_up"] as? Int == rounds.reduce(0) { $0 + ($1["bytes_up"] as? Int ?? 0) }, "\(finished)")

        let hosted = Self.objects(h.stderr, command: "device")
        #expect(hosted.compactMap { $0["event"] as? String } == ["joining", "finished"], "\(hosted)")
        #expect(hosted.first?["first_device"] as? Int == 0 && hosted.first?["service"] as? String == "127.0.0.1:\(port)", "\(hosted)")
    }

    @Test func aLoopbackRunServesMetricsWhenAsked() throws {
        let dir = try makeTemporaryDirectory("deploy-loopback-metrics")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try DeployLoopbackTests.script(in: dir)
        let r = try runDCL(["run", script, "--deploy", "loopback", "--metrics-listen", "127.0.0.1:0", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("dcl serve: metrics at http://127.0.0.1:") && r.stderr.contains("/metrics"), "\(r.stderr)")
        let local = try runDCL(["run", script, "--metrics-listen", "127.0.0.1:0"])
        #expect(local.status == 2 && local.stderr.contains("go with --deploy loopback"), "\(local.stderr)")
    }

    @Test func textStaysTheDefaultAndABadFormatIsAUsageError() throws {
        let dir = try makeTemporaryDirectory("deploy-log-usage")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try DeployLoopbackTests.script(in: dir)
        let r = try runDCL(["serve", script, "--listen", "127.0.0.1:0", "--log-format", "yaml"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("log-format") && r.stderr.contains("text") && r.stderr.contains("json"), "\(r.stderr)")
    }
}
