// `dcl run --out`, `--seeds` and `--quiet` as a person meets them: the real `dcl` process on a
// small script that trains a one-layer model on the shipped digits for a few steps (its
// accuracy changes with the seed), results.json parsed back, the CSV files read.

import DCLExport
import Foundation
import DCLTestScratch
import Testing

@Suite(.serialized, .ownThreads) struct RunResultsTests {
    static func script(in dir: URL, extra: String = "") throws -> String {
        let digits = repositoryRoot.appendingPathComponent("Examples/data/digits/digits.csv").path
        return try writeScript("""
            import std.data
            param steps: int = 5
            let digits = digits_dataset("\(digits)", test: 0.2, seed: 0)
            model tiny {
              input x: [1, 8, 8]
              flatten |> linear(10)
            }
            let net = tiny
            train net on digits.train { steps: steps, batch: 32, optimizer: sgd(lr: 0.1) }
            let r = evaluate(net, on: digits.test)
            print "accuracy {r.accuracy:.4f}"
            print "test", r
            print table([{method: "tiny, \\"linear\\"", accuracy: r.accuracy, classes: 10}], title: "Digits: one layer")
            print table([[seed(), 1.5]], columns: ["seed", "half"])
            \(extra)
            """, named: "results.dcl", in: dir)
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func outWritesResultsAndCSVAndLeavesStandardOutputAlone() throws {
        let dir = try makeTemporaryDirectory("out")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.script(in: dir)
        let out = dir.appendingPathComponent("new/results")
        let plain = try runDCL(["run", path, "--set", "steps=4"])
        let written = try runDCL(["run", path, "--set", "steps=4", "--out", out.path])
        #expect(plain.status == 0 && written.status == 0, "\(written.stderr)")
        // The same output, timings in the progress line aside.
        let untimed = { (s: String) in s.split(separator: "\n").map { $0.hasPrefix("net epoch 1/1  loss ") ? $0.prefix(26) : $0 } }
        #expect(untimed(written.stdout) == untimed(plain.stdout))
        #expect(written.stderr.contains("results.json and 2 CSV files"))

        let doc = try Self.json(out.appendingPathComponent("results.json"))
        #expect(doc["dcl_version"] as? String != nil)
        #expect(doc["script_sha256"] as? String == SHA256.hexDigest(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(doc["params"] as? [String: Int] == ["steps": 4])
        #expect(doc["seeds"] as? [Int] == [0])
        #expect((doc["wall_seconds"] as? Double ?? -1) > 0)
        #expect(doc["aggregate"] == nil)
        let run = try #require((doc["runs"] as? [[String: Any]])?.first)
        let tables = try #require(run["tables"] as? [[String: Any]])
        #expect(tables.count == 2)
        #expect(tables[0]["title"] as? String == "Digits: one layer")
        #expect(tables[0]["columns"] as? [String] == ["method", "accuracy", "classes"])
        let row = try #require((tables[0]["rows"] as? [[Any]])?.first)
        #expect(row[0] as? String == "tiny, \"linear\"" && row[2] as? Int == 10)
        // The printed line rounds to 4 digits; the file holds the full number.
        let accuracy = try #require(row[1] as? Double)
        let printed = try #require(plain.stdout.split(separator: "\n").first { $0.hasPrefix("accuracy ") }?.split(separator: " ").last)
        #expect(String(format: "%.4f", accuracy) == String(printed))
        #expect(tables[1]["title"] is NSNull && tables[1]["csv"] as? String == "table-2.csv")
        let records = try #require(run["records"] as? [[String: Any]])
        #expect(records.count == 1 && records[0]["label"] as? String == "test")
        let printedLines = try #require(run["printed"] as? [String])
        #expect(printedLines.count == 4 && printedLines[0] == "accuracy " + String(printed), "\(printedLines)")
        #expect(printedLines[3].hasPrefix("seed  half\n"), "\(printedLines)")
        #expect((records[0]["values"] as? [String: Any])?["accuracy"] as? Double == accuracy)

        let csv = try String(contentsOf: out.appendingPathComponent("digits-one-layer.csv"), encoding: .utf8)
        #expect(csv == "method,accuracy,classes\r\n\"tiny, \"\"linear\"\"\",\(accuracy),10\r\n")
        #expect(try String(contentsOf: out.appendingPathComponent("table-2.csv"), encoding: .utf8) == "seed,half\r\n0,1.5\r\n")
        // No temporary or staging files are left next to the results.
        #expect(listing(out) == ["digits-one-layer.csv", "results.json", "table-2.csv"])
        #expect(listing(out.deletingLastPathComponent()) == ["results"])
    }

    @Test func eachSeedOfSeedsEqualsASeparateRun() throws {
        let dir = try makeTemporaryDirectory("seeds-same")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.script(in: dir)
        let together = try runDCL(["run", path, "--seeds", "0,1", "--out", dir.appendingPathComponent("both").path])
        #expect(together.status == 0, "\(together.stderr)")
        let runs = try #require(try Self.json(dir.appendingPathComponent("both/results.json"))["runs"] as? [[String: Any]])
        #expect(runs.count == 2)
        for (k, seed) in [0, 1].enumerated() {
            let alone = try runDCL(["run", path, "--seed", "\(seed)", "--out", dir.appendingPathComponent("s\(seed)").path])
            #expect(alone.status == 0)
            let single = try #require((try Self.json(dir.appendingPathComponent("s\(seed)/results.json"))["runs"] as? [[String: Any]])?.first)
            #expect(runs[k]["seed"] as? Int == seed)
            // Tables (CSV names aside: a single run names its files) and records are the same values.
            let strip = { (ts: Any?) in (ts as? [[String: Any]] ?? []).map { $0.filter { $0.key != "csv" } as NSDictionary } }
            #expect(strip(runs[k]["tables"]) == strip(single["tables"]))
            #expect((runs[k]["records"] as? NSArray) == (single["records"] as? NSArray))
            // Its prints are the separate run's, prefixed.
            let line = try #require(alone.stdout.split(separator: "\n").first { $0.hasPrefix("accuracy ") })
            #expect(together.stdout.contains("[seed \(seed)] \(line)\n"))
        }
        #expect(try runDCL(["run", path, "--seed", "0"]).stdout != (try runDCL(["run", path, "--seed", "1"])).stdout,
                "the test needs a script whose output depends on the seed")
    }

    @Test func seedsPrintEachTableOnceWithIntervals() throws {
        let dir = try makeTemporaryDirectory("seeds")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.script(in: dir)
        let out = dir.appendingPathComponent("out")
        let r = try runDCL(["run", path, "--seeds", "0..4", "--quiet", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.components(separatedBy: "Digits: one layer").count == 2, "one table, printed once:\n\(r.stdout)")
        #expect(r.stdout.contains("5 seeds (0..4): a number that varies between seeds is mean ± half-width of its 95% confidence interval (Student t, 4 degrees of freedom)"))
        // seed() is 0…4: mean 2, h = t(0.975, 4) · √2.5 / √5; the constant column is as printed.
        #expect(r.stdout.contains("2.0000 ± 1.9632  1.5000"), "\(r.stdout)")
        #expect(r.stdout.contains("[seed 4] accuracy "))
        // The summary repeats the script's output once, in order: the folded accuracy line,
        // then the tables.
        let summary = try #require(r.stdout.components(separatedBy: "(Student t, 4 degrees of freedom)\n").last)
        let lines = summary.split(separator: "\n").map(String.init)
        #expect(lines.first?.range(of: #"^accuracy 0\.\d{4} ± 0\.\d{4}$"#, options: .regularExpression) != nil, "\(summary)")
        #expect(lines.count > 2 && lines[1].hasPrefix("test loss ") && lines[2] == "Digits: one layer", "\(summary)")
        #expect(!r.stdout.contains("epoch"), "--quiet drops the progress lines")

        let agg = try #require(try Self.json(out.appendingPathComponent("results.json"))["aggregate"] as? [String: Any])
        #expect((agg["printed"] as? [String])?.first == lines.first)
        let tables = try #require(agg["tables"] as? [[String: Any]])
        #expect(tables.count == 2)
        let cell = try #require((tables[1]["rows"] as? [[Any]])?.first?.first as? [String: Any])
        #expect(cell["mean"] as? Double == 2 && cell["values"] as? [Double] == [0, 1, 2, 3, 4])
        #expect(abs((cell["ci95"] as? Double ?? 0) - 1.9632432) < 1e-6)
        #expect((tables[1]["rows"] as? [[Any]])?.first?.last as? Double == 1.5)
        let accuracy = try #require((tables[0]["rows"] as? [[Any]])?.first?[1] as? [String: Any])
        #expect((accuracy["values"] as? [Double])?.count == 5)
        let csv = try String(contentsOf: out.appendingPathComponent("table-2.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("seed,seed_ci95,half\r\n2.0,1.96324"), "\(csv)")
    }

    @Test func tablesThatDifferInTextCannotBeFolded() throws {
        let dir = try makeTemporaryDirectory("seeds-differ")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.script(in: dir, extra: "print table([{kind: \"s{seed()}\", v: 1}], title: \"kinds\")")
        let r = try runDCL(["run", path, "--seeds", "0..1", "--quiet"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("table 3 (\"kinds\"): row 1, column `kind` is \"s0\" in seed 0 but \"s1\" in seed 1; only numbers may differ between seeds"),
                "\(r.stderr)")
        // Nothing is lost: each seed's tables are printed as they were.
        #expect(r.stdout.contains("[seed 1] kinds\n"))
    }

    @Test func misuseIsAUsageErrorBeforeAnythingRuns() throws {
        let dir = try makeTemporaryDirectory("seeds-usage")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.script(in: dir)
        let file = try writeScript("not a directory", named: "taken", in: dir)
        let cases: [([String], String)] = [
            (["--seeds", "4..0"], "the range is empty"),
            (["--seeds", "0..1000"], "at most 1000 seeds"),
            (["--seeds", "zero"], "`zero` is not a seed"),
            (["--seeds", ""], "--seeds is empty"),
            (["--seed", "1", "--seeds", "0..2"], "--seed and --seeds cannot be given together"),
            (["--seeds", "0..2", "--profile"], "--profile reports on one run"),
            (["--out", file], "--out \(file): that is a file, not a directory"),
        ]
        for (args, message) in cases {
            let r = try runDCL(["run", path] + args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(args): nothing runs")
        }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "not a directory")
    }

    @Test func quietDropsProgressLinesButNotPrints() throws {
        let dir = try makeTemporaryDirectory("quiet")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.script(in: dir)
        let plain = try runDCL(["run", path])
        let quiet = try runDCL(["run", path, "--quiet"])
        #expect(plain.status == 0 && quiet.status == 0)
        let progress = plain.stdout.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix("net epoch ") }
        #expect(progress.count == 1, "\(plain.stdout)")
        let kept = plain.stdout.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("net epoch ") }
        #expect(quiet.stdout.split(separator: "\n", omittingEmptySubsequences: false) == kept)
    }
}
