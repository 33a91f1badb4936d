// `dcl bench fleet` end to end: the real `dcl` binary runs a fleet script as a child process
// (`--set devices=N`) and a reference script as another, and reports both sides' wall time,
// per-device time and peak RSS with their ratios. The shipped patterns take minutes in a debug
// build, so the test gives its own tiny fleet (digits, a linear model) and a tiny reference in
// plain Python (no torch: it is not in CI); the shipped scripts are checked by
// `everyExampleChecksClean` and the references byte-compiled below.

import Foundation
import DCLTestScratch
import Testing

@Suite(.serialized, .ownThreads) struct FleetBenchTests {
    static func scripts(in dir: URL) throws -> (dcl: String, python: String) {
        let digits = repositoryRoot.appendingPathComponent("Examples/data/digits/digits.csv").path
        let dcl = try writeScript("""
            import std.data
            param devices: int = 3
            let digits = digits_dataset("\(digits)", test: 0.2, seed: 0)
            role device[devices] { data: digits.train |> partition(iid(), test: 0.3, seed: 1, distinct: 4) }
            model tiny {
              input x: [1, 8, 8]
              flatten |> linear(10)
            }
            var accs = []
            let start = clock()
            for d in device {
              let m = copy(tiny)
              train m on d.train { steps: 3, batch: 16, optimizer: sgd(lr: 0.1), log: "none" }
              accs += [evaluate(m, on: d.test).accuracy]
            }
            let loop = clock() - start
            print "fleet devices={devices} loop_s={loop:.6f} metric=accuracy value={mean(accs):.6f}"

            """, named: "fleet_tiny.dcl", in: dir)
        let python = try writeScript("""
            import argparse, json, time
            p = argparse.ArgumentParser()
            p.add_argument("--devices", type=int)
            p.add_argument("--threads", type=int)
            p.add_argument("--seed", type=int)
            a = p.parse_args()
            t = time.perf_counter()
            blocks = [bytearray(1 << 20) for _ in range(a.devices)]
            loop = time.perf_counter() - t
            print(json.dumps({"devices": a.devices, "threads": a.threads, "loop_s": loop, "metric": "accuracy", "accuracy": 0.5}))

            """, named: "fleet_tiny.py", in: dir)
        return (dcl, python)
    }

    @Test func jsonReportsBothSidesAndTheirRatios() throws {
        let dir = try makeTemporaryDirectory("fleet")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (dcl, python) = try Self.scripts(in: dir)
        let run = try runDCL(["bench", "fleet", "--pattern", "dcccl", "--devices", "2", "--threads", "1", "--script", dcl,
                              "--reference", "--reference-script", python, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let line = try #require(run.stdout.split(separator: "\n").last)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(o["devices"] as? Int == 2 && o["threads"] as? Int == 1 && o["pattern"] as? String == "dcccl")
        let sides = [try #require(o["dcl"] as? [String: Any]), try #require(o["reference"] as? [String: Any])]
        for (name, side) in zip(["dcl", "reference"], sides) {
            for key in ["wall_s", "per_device_ms", "peak_rss_mib", "loop_s"] {
                let v = try #require(side[key] as? Double, "\(name).\(key) missing in \(line)")
                #expect(v > 0, "\(name).\(key) = \(v)")
            }
            #expect(side["metric"] as? String == "accuracy")
            let acc = try #require(side["accuracy"] as? Double)
            #expect(acc >= 0 && acc <= 1)
        }
        // The top level repeats the dcl side's measures; per_device_ms is loop_s / devices.
        #expect(o["wall_s"] as? Double == sides[0]["wall_s"] as? Double)
        let loop = try #require(sides[0]["loop_s"] as? Double), perDevice = try #require(sides[0]["per_device_ms"] as? Double)
        #expect(abs(perDevice - 1000 * loop / 2) < 1e-9)
        // Each side's peak RSS is its own child's: the reference allocates 1 MiB per device, far
        // below a dcl process, and dcl's is not the test runner's.
        let ratios = try #require(o["ratios"] as? [String: Double])
        for key in ["wall_speedup", "per_device_speedup", "peak_rss_ratio"] { #expect((ratios[key] ?? 0) > 0, "\(key)") }
        #expect(sides[1]["peak_rss_mib"] as! Double > 2)
    }

    @Test func tableAndChildFailures() throws {
        let dir = try makeTemporaryDirectory("fleet-table")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (dcl, _) = try Self.scripts(in: dir)
        let table = try runDCL(["bench", "fleet", "--pattern", "iciia", "--devices", "5", "--threads", "1", "--script", dcl])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.hasPrefix("fleet iciia: 5 devices, 1 threads, 1 run"))
        #expect(table.stdout.contains("per device ms") && table.stdout.contains("\ndcl "))
        // A fleet script without the `fleet` line, and one that fails, are clear errors.
        let silent = try writeScript("param devices: int = 1\nprint devices\n", named: "silent.dcl", in: dir)
        let r = try runDCL(["bench", "fleet", "--pattern", "coda", "--script", silent])
        #expect(r.status != 0 && r.stderr.contains("printed no `fleet devices=… loop_s=…` line"), "\(r.stderr)")
        let failing = try writeScript("param devices: int = 1\nlet xs = [1]\nprint xs[devices]\n", named: "failing.dcl", in: dir)
        let f = try runDCL(["bench", "fleet", "--pattern", "coda", "--script", failing])
        #expect(f.status != 0 && f.stderr.contains("exited with status 3"), "\(f.stderr)")
        // A Python without torch (this machine's default) is named before any side runs,
        // with how to make one; so is one that does not run at all.
        let noTorch = try runDCL(["bench", "fleet", "--pattern", "coda", "--script", silent, "--reference", "--python", "/bin/false"])
        #expect(noTorch.status == 1 && noTorch.stderr.contains("--python /bin/false cannot import torch and numpy")
                && noTorch.stderr.contains("--python /tmp/torchenv/bin/python") && !noTorch.stderr.contains("printed no"), "\(noTorch.stderr)")
        let absent = try runDCL(["bench", "fleet", "--pattern", "coda", "--script", silent, "--reference", "--python", "/nonexistent/python3"])
        #expect(absent.status == 1 && absent.stderr.contains("--python /nonexistent/python3: cannot run it"), "\(absent.stderr)")
    }

    @Test(arguments: [
        ["bench", "fleet", "--pattern", "nope"],
        ["bench", "fleet", "--pattern", "iciia", "--devices", "0"],
        ["bench", "fleet", "--pattern", "iciia", "--rounds", "0"],
        ["bench", "fleet", "--pattern", "iciia", "--threads", "0"],
        ["bench", "fleet", "--pattern", "iciia", "--root", "/nonexistent"],
        ["bench", "fleet", "--pattern", "iciia", "--dcl", "/nonexistent/dcl"],
    ])
    func badArgumentsAreUsageErrors(_ arguments: [String]) throws {
        let r = try runDCL(arguments)
        #expect(r.status == 2, "\(arguments): \(r.stderr)")
    }

    @Test func referenceScriptsCompile() throws {
        let dir = repositoryRoot.appendingPathComponent("Scripts/reference")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".py") }.sorted()
        #expect(names.contains("fleet_dcccl.py") && names.contains("fleet_iciia.py") && names.contains("fleet_coda.py"))
        for n in names {
            // Compiled in memory: no __pycache__ is written into the repository.
            let (status, output) = try runPython(["-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')",
                                                  dir.appendingPathComponent(n).path])
            #expect(status == 0, "\(n): \(output)")
        }
    }
}
