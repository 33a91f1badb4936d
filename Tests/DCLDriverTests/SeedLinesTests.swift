// `--seeds`' closing summary: printed lines folded over the seeds, in the order printed.

import DCLCompiler
import Testing
@testable import DCLDriver

@Suite struct SeedLinesTests {
    @Test func numbersAreFoundOutsideWords() {
        let (texts, numbers) = SeedLines.split("conv2d: acc 0.9749, loss -1.5e-3 on 359 digits (97.49%) v1.2")
        #expect(numbers == ["0.9749", "-1.5e-3", "359", "97.49"])
        #expect(texts == ["conv2d: acc ", ", loss ", " on ", " digits (", "%) v1.2"])
    }

    @Test func varyingNumbersBecomeMeanAndHalfWidthWithThePrintedDecimals() {
        let folded = SeedLines.foldLine(["test accuracy 0.9700 on 359 digits", "test accuracy 0.9800 on 359 digits",
                                         "test accuracy 0.9750 on 359 digits"])
        // Mean 0.975, s = 0.005, h = t(0.975, 2) · 0.005 / √3 = 0.01242.
        #expect(folded == "test accuracy 0.9750 ± 0.0124 on 359 digits")
        #expect(SeedLines.foldLine(["loss 1e-3", "loss 3e-3"]) == "loss 0.002 ± 0.0127")
        #expect(SeedLines.foldLine(["same 1", "same 1"]) == "same 1")
        #expect(SeedLines.foldLine(["method a 0.5", "method b 0.5"]) == nil)
        #expect(SeedLines.foldLine(["1 2", "1"]) == nil)
    }

    @Test func theSummaryFollowsThePrintOrder() throws {
        let table = BuiltTable(title: "t", columns: ["x"], rows: [[.float(1)]], digits: 1, text: "")
        let runs = [0, 1].map { k in
            SeedRun(seed: UInt64(k), seconds: 0, tables: [table], records: [],
                    printed: [.line("start"), .table(0), .line(k == 0 ? "a 1.0" : "a 2.0"), .line(k == 0 ? "x" : "y")])
        }
        let tables = try SeedAggregate.tables(runs)
        let folded = try #require(SeedLines.fold(runs, tables: tables))
        #expect(folded == ["start", tables[0].text, "a 1.5 ± 6.4", "[seed 0] x\n[seed 1] y"])
        var shorter = runs
        shorter[1].printed.removeLast()
        #expect(SeedLines.fold(shorter, tables: tables) == nil)
    }
}
