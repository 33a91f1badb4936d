// The three progress modes through a real `train`: a line per epoch (logs, pipes — today's
// text), one live line redrawn in place (a terminal), and nothing (`--quiet`, `log: none`).

import DCLTensor
import Testing
@testable import DCLRuntime

@Suite struct ProgressModeTests {
    static let script = """
        data d = csv("toy.csv", label: "label")
        model net {
          input x: [2]
          linear(2)
        }
        train net on d { epochs: 2, batch: 4 }
        print "done"
        """

    static func run(_ text: String = script, mode: ProgressMode) throws -> [String] {
        let dir = try temporaryDirectory(files: ["toy.csv": syntheticCSV(rows: 8, features: 2, classes: 2, seed: 1)])
        return try runScript(text, directory: dir, configure: { $0.progressMode = mode }).output
    }

    @Test func linesModePrintsALinePerEpoch() throws {
        let out = try Self.run(mode: .lines(barOnStandardError: false))
        #expect(out.count == 3 && out[2] == "done", "\(out)")
        #expect(out[0].hasPrefix("net epoch 1/2  loss ") && out[0].contains("  8 samples  "))
        #expect(out[1].hasPrefix("net epoch 2/2  loss "))
    }

    @Test func liveLineRedrawsInPlaceAndEndsWithANewline() throws {
        var drawn: [String] = []
        let out = try Self.run(mode: .live(prefix: "[seed 0] ", write: { drawn.append($0) }))
        #expect(out == ["done"], "no epoch lines on a terminal")
        #expect(drawn.count >= 2)
        #expect(drawn.allSatisfy { $0.hasPrefix("\r\u{1B}[2K[seed 0] net  epoch ") }, "\(drawn)")
        #expect(drawn.dropLast().allSatisfy { !$0.contains("\n") })
        let last = try #require(drawn.last)
        #expect(last.hasSuffix("\n"))
        #expect(last.contains("epoch 2/2  step 4/4  loss "), "\(last)")
        #expect(last.contains(" samples/s  elapsed ") && last.hasSuffix("ETA 0s\n"), "\(last)")
    }

    @Test func quietAndLogNoneShowNothing() throws {
        #expect(try Self.run(mode: .quiet) == ["done"])
        var drawn: [String] = []
        let silent = Self.script.replacingOccurrences(of: "batch: 4 }", with: "batch: 4, log: none }")
        #expect(try Self.run(silent, mode: .live(prefix: "", write: { drawn.append($0) })) == ["done"])
        #expect(drawn.isEmpty)
        #expect(try Self.run(silent, mode: .lines(barOnStandardError: false)) == ["done"])
    }
}
