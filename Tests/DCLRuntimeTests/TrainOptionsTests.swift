// `train`'s options as docs/language.md §5 documents them: `log` is a named choice (`epoch`,
// `none`) written bare or quoted, a forwarded string is checked when it runs, and `steps`
// bounds the optimiser steps (issue #13).

import DCLCompiler
import Foundation
import Testing

@Suite struct TrainOptionsTests {
    static func toyDirectory() throws -> String {
        try temporaryDirectory(files: ["toy.csv": syntheticCSV(rows: 40, features: 4, classes: 2, seed: 5)])
    }

    static let toy = """
    data d = csv("toy.csv", label: "label")
    model net {
      input x: [4]
      linear(2)
    }

    """

    /// The lines a `train` with these options prints (its per-epoch progress lines).
    func trainingOutput(_ options: String) throws -> [String] {
        try runScript(Self.toy + "train net on d { epochs: 2, batch: 8, \(options) }\n", directory: try Self.toyDirectory()).output
    }

    @Test func logNoneIsSilentBareOrQuoted() throws {
        #expect(try trainingOutput("log: none") == [])
        #expect(try trainingOutput("log: \"none\"") == [])
    }

    @Test func logEpochPrintsALinePerEpochBareOrQuotedAndByDefault() throws {
        for options in ["log: epoch", "log: \"epoch\"", "shuffle: false"] {
            let lines = try trainingOutput(options)
            #expect(lines.count == 2, "\(options): \(lines)")
            #expect(lines.first?.contains("epoch 1/2") == true, "\(options): \(lines)")
        }
    }

    @Test func aForwardedLogChoiceIsCheckedWhenItRuns() throws {
        let failure = #expect(throws: ScriptFailure.self) {
            try runScript(Self.toy + """
            fn fit(level: string) { train net on d { log: level } }
            fit("verbose")
            """, directory: try Self.toyDirectory())
        }
        #expect(failure?.codes == ["E0503"], "\(failure?.rendered ?? "")")
        #expect(failure?.rendered.contains("`verbose` is not a choice for `log`: expected `epoch`, `none`") == true)
        let quiet = try runScript(Self.toy + """
        fn fit(level: string) { train net on d { log: level } }
        fit("none")
        """, directory: try Self.toyDirectory())
        #expect(quiet.output == [])
    }

    @Test func stepsBoundsTraining() throws {
        // 40 samples in batches of 8 is 5 steps an epoch; `steps: 3` stops within the first.
        let lines = try trainingOutput("steps: 3, log: epoch")
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.contains("24 samples") == true, "\(lines)")
    }
}
