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

    /// `lazy:` on an optimiser: by default a table read only by lookups (a `ctr` model's user
    /// and item embeddings) gets row-sparse updates; `lazy: false` forces the dense update.
    @Test func lazyFalseForcesTheDenseUpdate() throws {
        let dir = try PatternMechanicsTests.ratingsDirectory()
        func weights(_ optimizer: String) throws -> Data {
            _ = try runScript("""
            import std.rec
            let ml = movielens("ratings.csv")
            let m = ctr(users: ml.users, items: ml.items, dim: 4, hidden: [4])
            train m on ml |> take(40) { epochs: 3, batch: 8, optimizer: \(optimizer), log: none }
            save m to "m.safetensors"
            """, directory: dir)
            return try Data(contentsOf: URL(fileURLWithPath: dir + "/m.safetensors"))
        }
        // Plain SGD: the sparse update is the dense one, bit for bit.
        #expect(try weights("sgd(lr: 0.1)") == weights("sgd(lr: 0.1, lazy: false)"))
        // With momentum, a row looked up earlier keeps moving only under the dense update; lazy
        // Adam leaves rows a batch did not look up alone.
        #expect(try weights("sgd(lr: 0.1, momentum: 0.9)") != weights("sgd(lr: 0.1, momentum: 0.9, lazy: false)"))
        #expect(try weights("adamw(lr: 0.01)") != weights("adamw(lr: 0.01, lazy: false)"))
        #expect(try weights("adamw(lr: 0.01, lazy: true)") == weights("adamw(lr: 0.01)"))
    }
}
