// The pieces of `dcl run --out` and `--seeds` below the command: CSV quoting (RFC 4180), file
// names for tables, results.json's number spelling, and folding tables over seeds.

import DCLCompiler
import Foundation
import Testing
@testable import DCLDriver

@Suite struct CSVQuotingTests {
    @Test func linesEndInCRLFAndNumbersKeepFullPrecision() {
        let t = BuiltTable(title: "t", columns: ["name", "x", "n", "gap"],
                           rows: [[.string("a, b"), .float(0.1 + 0.2), .int(3), nil], [.string("c"), .float(.nan), .bool(true), Value.none]],
                           digits: 4, text: "")
        let text = String(decoding: ResultsFiles.csv(t), as: UTF8.self)
        #expect(text == "name,x,n,gap\r\n\"a, b\",0.30000000000000004,3,\r\nc,nan,true,\r\n")
    }

    @Test func tableFileNamesAreSlugsOfTheTitles() {
        let names = ResultsFiles.slugs(["DC-CCL on MNIST: accuracy (20 devices)", nil, "DC-CCL on MNIST: accuracy (20 devices)", "!!!", "Results"])
        #expect(names == ["dc-ccl-on-mnist-accuracy-20-devices", "table-2", "dc-ccl-on-mnist-accuracy-20-devices-2", "table-4", "results-2"])
        #expect(ResultsFiles.slugs([String(repeating: "a", count: 200)])[0].count == 60)
    }
}

@Suite struct ResultJSONTests {
    @Test func numbersReadBackAndNonFiniteBecomeNull() throws {
        let doc = ResultJSON.object([("a", .number(0.1)), ("b", .number(.nan)), ("c", .int(-3)), ("d", .number(1e-5)),
                                     ("e", .string("q\"\n")), ("f", .array([.number(2.5e20), .null]))])
        let parsed = try #require(JSONSerialization.jsonObject(with: Data(doc.rendered().utf8)) as? [String: Any])
        #expect(parsed["a"] as? Double == 0.1)
        #expect(parsed["b"] is NSNull)
        #expect(parsed["c"] as? Int == -3)
        #expect(parsed["d"] as? Double == 1e-5)
        #expect(parsed["e"] as? String == "q\"\n")
        #expect((parsed["f"] as? [Any])?.first as? Double == 2.5e20)
    }

    @Test func metricsKeepTheirNumbersAndPerClientValues() {
        let m = MetricsValue(values: [("accuracy", 0.5), ("count", 10)], clients: [MetricsValue(values: [("accuracy", 0.25)])],
                             std: [("accuracy", 0.1)])
        #expect(ResultJSON(.metrics(m)).rendered(indent: "") == """
            {
              "accuracy": 0.5,
              "count": 10,
              "std": {
                "accuracy": 0.1
              },
              "clients": [
                {
                  "accuracy": 0.25
                }
              ]
            }
            """)
    }
}

@Suite struct SeedAggregateTests {
    static func table(_ rows: [[Value?]], title: String? = "accuracy", columns: [String] = ["method", "acc", "n"]) -> BuiltTable {
        BuiltTable(title: title, columns: columns, rows: rows, digits: 4, text: "")
    }

    static func run(_ seed: UInt64, _ tables: [BuiltTable]) -> SeedRun { SeedRun(seed: seed, seconds: 0, tables: tables, records: []) }

    @Test func numbersThatVaryBecomeMeanAndHalfWidth() throws {
        let runs = (0..<5).map { k in
            Self.run(UInt64(k), [Self.table([[.string("ours"), .float(0.5 + 0.01 * Double(k)), .int(20)], [.string("base"), .int(k), .int(20)]])])
        }
        let t = try #require(try SeedAggregate.tables(runs).first)
        guard case .varied(let values, let mean, let h) = t.rows[0][1] else { Issue.record("not varied: \(t.rows[0][1])"); return }
        #expect(values.count == 5 && abs(mean - 0.52) < 1e-12)
        // Standard deviation of 0.50…0.54 is 0.01·√2.5.
        #expect(abs(h - 2.7764451 * 0.01 * (2.5 / 5).squareRoot()) < 1e-8)
        guard case .same(.int(20)?) = t.rows[0][2] else { Issue.record("a constant number changed: \(t.rows[0][2])"); return }
        #expect(t.text == """
            accuracy
            method  acc              n
            ------  ---------------  --
            ours    0.5200 ± 0.0196  20
            base    2.0000 ± 1.9632  20
            """)
        #expect(t.varies(column: 1) && !t.varies(column: 2))
        let csv = String(decoding: ResultsFiles.csv(t), as: UTF8.self)
        #expect(csv.hasPrefix("method,acc,acc_ci95,n\r\nours,0.52,0.0196"), "\(csv)")
        #expect(csv.contains("\r\nbase,2.0,1.96324"), "\(csv)")
    }

    @Test func aTextCellThatDiffersNamesTheTableRowAndColumn() {
        let runs = [Self.run(0, [Self.table([[.string("ours"), .float(0.5), .int(1)]]), Self.table([[.string("a"), .float(0.5), .int(1)]], title: nil)]),
                    Self.run(3, [Self.table([[.string("ours"), .float(0.6), .int(1)]]), Self.table([[.string("b"), .float(0.5), .int(1)]], title: nil)])]
        do {
            _ = try SeedAggregate.tables(runs)
            Issue.record("folded tables that differ in text")
        } catch let e as SeedAggregate.Mismatch {
            #expect(e.message == "table 2: row 1, column `method` is \"a\" in seed 0 but \"b\" in seed 3; only numbers may differ between seeds")
        } catch { Issue.record("\(error)") }
    }

    @Test func tablesMustMatchInCountTitleColumnsAndRows() {
        let one = Self.table([[.string("x"), .float(1), .int(1)]])
        func message(_ a: [BuiltTable], _ b: [BuiltTable]) -> String {
            do { _ = try SeedAggregate.tables([Self.run(0, a), Self.run(1, b)]); return "" } catch { return "\(error)" }
        }
        #expect(message([one], [one, one]).contains("seed 0 printed 1 table and seed 1 printed 2 tables"))
        #expect(message([one], [Self.table(one.rows, title: "other")]).contains("the title is \"accuracy\" in seed 0 but \"other\" in seed 1"))
        #expect(message([one], [Self.table(one.rows, columns: ["m", "acc", "n"])]).contains("the columns are"))
        #expect(message([one], [Self.table(one.rows + one.rows)]).contains("1 rows in seed 0 but 2 in seed 1"))
        #expect(message([one], [Self.table([[.string("x"), .string("1.0"), .int(1)]])]).contains("row 1, column `acc`"))
    }
}
