// Validation inside `train` (issue #15): `validate:` evaluates after every `every` epochs and
// prints the metrics on the epoch line, `early_stop` ends training when the monitored metric
// stops improving, `keep: best` leaves the model with the weights of its best validation, and
// `history(net)` returns what happened per epoch.

import DCLCompiler
import Foundation
import Testing

@Suite struct ValidationTests {
    static func directory() throws -> String {
        try temporaryDirectory(files: [
            "train.csv": syntheticCSV(rows: 48, features: 4, classes: 3, seed: 11),
            "val.csv": syntheticCSV(rows: 24, features: 4, classes: 3, seed: 12),
        ])
    }

    static let prelude = """
    data d = csv("train.csv", label: "label")
    data v = csv("val.csv", label: "label")
    model net {
      input x: [4]
      linear(8) |> relu
      linear(3)
    }

    """

    func run(_ body: String, in dir: String? = nil) throws -> [String] {
        try runScript(Self.prelude + body, directory: try dir ?? Self.directory()).output
    }

    @Test func everyValidationIsPrintedOnItsEpochLine() throws {
        let lines = try run("train net on d { epochs: 5, batch: 8, validate: v, every: 2 }\n")
        #expect(lines.count == 5, "\(lines)")
        // Epochs 2 and 4, and the last epoch whatever `every` says.
        for (i, line) in lines.enumerated() {
            let validated = [1, 3, 4].contains(i)
            #expect(line.contains("  val loss ") == validated, "\(line)")
            #expect(line.contains("  val accuracy ") == validated, "\(line)")
            #expect(!line.contains("val count"), "\(line)")
        }
    }

    @Test func historyHoldsEpochsAndValidations() throws {
        let out = try run("""
        train net on d { epochs: 5, batch: 8, validate: v, every: 2, log: none }
        let h = history(net)
        print len(h.epoch), len(h.loss), len(h.lr), h.val_epoch, len(h.val_accuracy), h.best_epoch != none, h.stopped_early
        print len(h.rows), h.rows[0].val_loss == none, h.rows[1].val_loss != none
        """)
        #expect(out == ["5 5 5 [2, 4, 5] 3 true false", "5 true true"])
    }

    @Test func historyWithoutValidationHasTrainingColumnsOnly() throws {
        let out = try run("""
        train net on d { epochs: 2, batch: 8, log: none }
        let h = history(net)
        print h.epoch, h.best_epoch, h.stopped_early, h.lr[0]
        """)
        #expect(out == ["[1, 2] none false 0.001"])
    }

    /// A `min_delta` no change can beat: the first validation is the best, so training stops
    /// `patience` validations later.
    /// `step(every:)` counts epochs (48 rows at batch 8 are 6 steps an epoch): the rate of
    /// each epoch's last step is base · gamma^epoch. It once counted optimiser steps, so the
    /// rate had fallen by 0.5⁵ before the first epoch ended.
    @Test func aStepScheduleDropsTheRateEveryFewEpochs() throws {
        let out = try run("""
        train net on d { epochs: 4, batch: 8, optimizer: sgd(lr: 0.1), schedule: step(every: 1, gamma: 0.5), log: none }
        print history(net).lr
        train net on d { epochs: 4, batch: 8, optimizer: sgd(lr: 0.1), schedule: step(every: 2, gamma: 0.5), log: none }
        print history(net).lr
        """)
        #expect(out == ["[0.1, 0.05, 0.025, 0.0125]", "[0.1, 0.1, 0.05, 0.05]"])
    }

    @Test func earlyStopEndsTrainingAfterPatienceValidations() throws {
        let lines = try run("""
        train net on d { epochs: 20, batch: 8, validate: v, early_stop: { metric: loss, patience: 2, min_delta: 100 } }
        print history(net).stopped_early, history(net).best_epoch, len(history(net).epoch)
        """)
        #expect(lines.count == 5, "\(lines)")
        #expect(lines[3].hasPrefix("net: early stop after epoch 3: val loss has not improved for 2 validations (best "), "\(lines)")
        #expect(lines[3].hasSuffix(" at epoch 1)"))
        #expect(lines[4] == "true 1 3")
    }

    /// `keep: best` restores the weights of the best validation: here epoch 1's, so the model
    /// equals one trained for exactly one epoch, bit for bit.
    @Test func keepBestRestoresTheBestEpochsWeights() throws {
        let dir = try Self.directory()
        func weights(_ options: String) throws -> Data {
            _ = try run("train net on d { batch: 8, log: none, \(options) }\nsave net to \"w.safetensors\"\n", in: dir)
            return try Data(contentsOf: URL(fileURLWithPath: dir + "/w.safetensors"))
        }
        let one = try weights("epochs: 1")
        let kept = try weights("epochs: 6, validate: v, early_stop: { metric: accuracy, patience: 3, min_delta: 2 }, keep: best")
        let last = try weights("epochs: 4, validate: v, early_stop: { metric: accuracy, patience: 3, min_delta: 2 }, keep: last")
        let four = try weights("epochs: 4")
        #expect(kept == one)
        #expect(last == four)
        #expect(one != four)
        // Without early stopping `keep: best` still restores: loss can only get "better" by 100.
        #expect(try weights("epochs: 3, validate: v, early_stop: { patience: 5, min_delta: 100 }, keep: best") == one)
    }

    @Test func validationOptionsWithoutValidateAreRefusedByTheChecker() throws {
        for option in ["every: 2", "early_stop: { patience: 2 }", "keep: best"] {
            let failure = #expect(throws: ScriptFailure.self) { try run("train net on d { epochs: 2, \(option) }\n") }
            #expect(failure?.codes == ["E0213"], "\(option): \(failure?.rendered ?? "")")
            #expect(failure?.rendered.contains("needs validation data: add `validate: DATA`") == true, "\(failure?.rendered ?? "")")
        }
        // `keep: last` is the default and needs nothing.
        #expect(try run("train net on d { epochs: 1, keep: last, log: none }\n") == [])
    }

    @Test func aForwardedMetricIsCheckedWhenItRuns() throws {
        let failure = #expect(throws: ScriptFailure.self) {
            try run("""
            fn fit(metric: string) { train net on d { epochs: 1, validate: v, early_stop: { metric: metric }, log: none } }
            fit("acuracy")
            """)
        }
        #expect(failure?.codes == ["E0503"], "\(failure?.rendered ?? "")")
        #expect(failure?.rendered.contains("`acuracy` is not a choice for `metric`") == true, "\(failure?.rendered ?? "")")
    }

    @Test func aMisspelledMetricOrFieldGetsAHint() throws {
        let metric = #expect(throws: ScriptFailure.self) {
            try run("train net on d { validate: v, early_stop: { metric: acuracy } }\n")
        }
        #expect(metric?.codes == ["E0215"], "\(metric?.rendered ?? "")")
        #expect(metric?.rendered.contains("did you mean `accuracy`?") == true, "\(metric?.rendered ?? "")")
        let field = #expect(throws: ScriptFailure.self) {
            try run("train net on d { validate: v, early_stop: { patients: 2 } }\n")
        }
        #expect(field?.codes == ["E0217"], "\(field?.rendered ?? "")")
        #expect(field?.rendered.contains("did you mean `patience`?") == true, "\(field?.rendered ?? "")")
        let data = #expect(throws: ScriptFailure.self) { try run("train net on d { validate: 3 }\n") }
        #expect(data?.codes == ["E0201"], "\(data?.rendered ?? "")")
    }

    @Test func aMetricTheTaskDoesNotReportStopsTheRunAtTheFirstValidation() throws {
        let failure = #expect(throws: ScriptFailure.self) {
            try run("train net on d { epochs: 3, validate: v, early_stop: { metric: auc }, log: none }\n")
        }
        #expect(failure?.rendered.contains("`early_stop` follows `auc`, which validating `net` does not report; it reports `loss`, `accuracy`") == true,
                "\(failure?.rendered ?? "")")
    }

    @Test func historyOfAnUntrainedModelIsAnError() throws {
        let failure = #expect(throws: ScriptFailure.self) { try run("print history(net)\n") }
        #expect(failure?.rendered.contains("`net` has not been trained in this run") == true, "\(failure?.rendered ?? "")")
    }

    @Test func validationChangesNoTrainingResult() throws {
        let dir = try Self.directory()
        func weights(_ options: String) throws -> Data {
            _ = try run("train net on d { epochs: 3, batch: 8, log: none\(options) }\nsave net to \"w.safetensors\"\n", in: dir)
            return try Data(contentsOf: URL(fileURLWithPath: dir + "/w.safetensors"))
        }
        #expect(try weights("") == weights(", validate: v"))
    }
}
