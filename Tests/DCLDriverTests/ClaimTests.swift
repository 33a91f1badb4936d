// `claim(…)` (issue #15): a script states what its numbers should show; one run prints the two
// numbers, `dcl run --seeds` judges the claim by its 95 % intervals — holds when they do not
// overlap in the claimed direction, contradicted when they do not overlap the other way, not
// shown when they overlap — and results.json keeps every seed's numbers and the verdict.

import DCLCompiler
import Foundation
import DCLTestScratch
import Testing
@testable import DCLDriver

@Suite struct ClaimVerdictTests {
    func run(_ seed: UInt64, _ claims: [MadeClaim]) -> SeedRun {
        SeedRun(seed: seed, seconds: 0, tables: [], records: [], printed: [], claims: claims)
    }

    @Test func theIntervalsDecide() throws {
        // Five seeds: 0.90…0.94 (mean 0.92, half-width 2.776 · 0.0158 / √5 = 0.0196) against 0.80…0.84.
        let values = [0.90, 0.91, 0.92, 0.93, 0.94], lower = [0.80, 0.81, 0.82, 0.83, 0.84], close = [0.89, 0.90, 0.91, 0.92, 0.93]
        func verdict(_ v: [Double], _ o: [Double], _ d: MadeClaim.Direction) -> ClaimVerdict.Outcome {
            ClaimVerdict(statement: "s", direction: d, values: v, others: o).outcome
        }
        #expect(verdict(values, lower, .above) == .holds)
        #expect(verdict(values, lower, .below) == .contradicted)
        #expect(verdict(lower, values, .below) == .holds)
        #expect(verdict(values, close, .above) == .notShown)
        #expect(verdict(values, close, .below) == .notShown)
        let v = ClaimVerdict(statement: "s", direction: .above, values: values, others: lower)
        #expect(abs(v.mean - 0.92) < 1e-12 && abs(v.halfWidth - 0.01963) < 1e-4)
        // One seed has no interval: nothing can be shown.
        #expect(verdict([0.99], [0.1], .above) == .notShown)
    }

    @Test func linesShowBothSidesAndWhy() {
        let held = ClaimVerdict(statement: "ours beats theirs", direction: .above, values: [0.9, 0.92], others: [0.5, 0.5])
        #expect(held.line.hasPrefix("holds        ours beats theirs: 0.9100 ± "))
        #expect(held.line.hasSuffix(" > 0.5000"))
        let overlap = ClaimVerdict(statement: "x", direction: .below, values: [0.5, 0.6], others: [0.55, 0.56])
        #expect(overlap.line.hasPrefix("not shown    x: 0.5500 ± "))
        #expect(overlap.line.hasSuffix("(the intervals overlap)"))
    }

    @Test func claimsAreMatchedByPositionAndStatement() {
        let a = MadeClaim(statement: "a", value: 1, other: 0, direction: .above)
        let b = MadeClaim(statement: "b", value: 1, other: 0, direction: .above)
        #expect(ClaimVerdict.judge([run(0, [a, b]), run(1, [a, b])])?.count == 2)
        #expect(ClaimVerdict.judge([run(0, [a, b]), run(1, [b, a])]) == nil)
        #expect(ClaimVerdict.judge([run(0, [a, b]), run(1, [a])]) == nil)
        #expect(ClaimVerdict.section([run(0, []), run(1, [])]).isEmpty)
        #expect(ClaimVerdict.section([run(0, [a]), run(1, [])]).last?.contains("not judged") == true)
    }
}

@Suite(.serialized, .ownThreads) struct ClaimRunTests {
    static func script(in dir: URL) throws -> String {
        let digits = repositoryRoot.appendingPathComponent("Examples/data/digits/digits.csv").path
        return try writeScript("""
            import std.data
            let digits = digits_dataset("\(digits)", test: 0.2, seed: 0)
            model tiny {
              input x: [1, 8, 8]
              flatten |> linear(10)
            }
            let net = tiny
            train net on digits.train { steps: 30, batch: 32, optimizer: adam(lr: 0.01), log: none }
            let r = evaluate(net, on: digits.test)
            let agrees = claim("a few steps beat chance", r.accuracy, above: 0.1)
            print agrees
            claim("a few steps reach perfection", r.accuracy, below: 0.1)
            """, named: "claims.dcl", in: dir)
    }

    @Test func oneRunPrintsTheNumbersAndSeedsJudge() throws {
        let dir = try makeTemporaryDirectory("claims")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.script(in: dir)
        let one = try runDCL(["run", path, "--seed", "3"])
        #expect(one.status == 0, "\(one.stderr)")
        let lines = one.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(lines)")
        #expect(lines[0].hasPrefix("claim: a few steps beat chance: 0.") && lines[0].hasSuffix(" > 0.1000"), "\(lines)")
        #expect(lines[1] == "true")
        #expect(lines[2].hasPrefix("claim: a few steps reach perfection: 0.") && lines[2].hasSuffix(" < 0.1000"), "\(lines)")

        let out = dir.appendingPathComponent("out")
        let seeds = try runDCL(["run", path, "--seeds", "0..2", "--out", out.path])
        #expect(seeds.status == 0, "\(seeds.stderr)")
        #expect(seeds.stdout.contains("claims over 3 seeds (holds: the 95% intervals do not overlap in the claimed direction)"))
        #expect(seeds.stdout.contains("\n  holds        a few steps beat chance: 0."), "\(seeds.stdout)")
        #expect(seeds.stdout.contains("\n  contradicted a few steps reach perfection: 0."), "\(seeds.stdout)")
        // The folded summary leaves the claim lines to the verdicts.
        let summary = try #require(seeds.stdout.components(separatedBy: "3 seeds (0..2)").last)
        #expect(!summary.contains("\nclaim: "), "\(summary)")
        #expect(summary.contains("\ntrue\n"), "\(summary)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json"))) as? [String: Any])
        let claims = try #require((doc["aggregate"] as? [String: Any])?["claims"] as? [[String: Any]])
        #expect(claims.map { $0["verdict"] as? String } == ["holds", "contradicted"])
        #expect(((claims[0]["value"] as? [String: Any])?["values"] as? [Double])?.count == 3)
        let perRun = try #require((doc["runs"] as? [[String: Any]])?.map { ($0["claims"] as? [[String: Any]])?.count })
        #expect(perRun == [2, 2, 2])
    }

    @Test func theCheckerWantsExactlyOneSide() throws {
        let dir = try makeTemporaryDirectory("claims-check")
        defer { try? FileManager.default.removeItem(at: dir) }
        for call in ["claim(\"x\", 1.0)", "claim(\"x\", 1.0, above: 0.5, below: 2.0)"] {
            let path = try writeScript(call + "\n", named: "c.dcl", in: dir)
            let r = try runDCL(["check", path])
            #expect(r.status == 1)
            #expect(r.stderr.contains("error[E0213]: `claim`"), "\(r.stderr)")
        }
    }
}
