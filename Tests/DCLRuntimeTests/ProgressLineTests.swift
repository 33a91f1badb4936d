// The training progress line prints 64-bit counts: `%d` read only 32 bits, so 10^12 epochs showed
// as `1/-727379968`.

import DCLTensor
import Testing
@testable import DCLRuntime

@Suite struct ProgressLineTests {
    @Test func epochLineShowsCountsBeyond32Bits() {
        var lines: [String] = []
        let p = ProgressReporter(isTTY: false, emit: { lines.append($0) })
        p.epochDone(label: "net", epoch: 1, epochs: 1_000_000_000_000, loss: 0.5, samples: 5_000_000_000, seconds: 2)
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("net epoch 1/1000000000000  loss 0.5000  5000000000 samples") == true, "\(lines)")
    }

    @Test func durationsBeyondIntDoNotTrap() {
        #expect(formatDuration(1e300) == "--")
        #expect(formatDuration(7322) == "2h02m")
        #expect(formatDuration(75) == "1m15s")
    }

    /// epochs × batches per epoch overflowing 64 bits is a diagnostic at the train statement.
    @Test func overflowingStepCountIsRefused() throws {
        let dir = try temporaryDirectory(files: ["toy.csv": syntheticCSV(rows: 8, features: 2, classes: 2, seed: 1)])
        let failure = #expect(throws: ScriptFailure.self) {
            try runScript("""
            data d = csv("toy.csv", label: "label")
            model net {
              input x: [2]
              linear(2)
            }
            train net on d { epochs: 9223372036854775807, batch: 4, log: "none" }
            """, directory: dir)
        }
        #expect(failure?.codes == ["E0503"])
        #expect(failure?.rendered.contains("main.dcl:6:1") == true, "\(failure?.rendered ?? "")")
        #expect(failure?.rendered.contains("9223372036854775807 epochs of 2 batches") == true, "\(failure?.rendered ?? "")")
    }
}
