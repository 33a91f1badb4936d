import DCLCompiler
import DCLRuntime
import Testing

/// Issue #10: nothing grows with the number of devices except what the script keeps. A model a
/// device iteration makes and drops — trained, evaluated, summed with another — must be freed
/// with its weights, optimiser state and compiled executors when the iteration ends.
@Suite struct FleetMemoryTests {
    static func script(devices: Int) -> String {
        """
        import std.nn
        data d = csv("toy.csv", label: "label")
        let base = mlp(shape: [6], hidden: [8], classes: 3)
        var accs = []
        for i in 0..\(devices) {
          let m = copy(base)
          train m on d { epochs: 1, batch: 16, optimizer: adam(lr: 1e-2), log: "none" }
          let r = evaluate(m, on: d)
          accs += [r.accuracy]
          accs += [evaluate(base + m, on: d).accuracy]
          print "{r.loss:.7f}"
        }
        print "{len(accs)}"
        """
    }

    @Test func modelsMadePerDeviceAreFreedWhenTheIterationEnds() throws {
        let directory = try PatternMechanicsTests.toyDirectory()
        for devices in [3, 40] {
            let run = try runScript(Self.script(devices: devices), directory: directory)
            #expect(run.output.count == devices + 1 && run.output.last == "\(2 * devices)")
            // `base` (and at most the last iteration's models, if a binding still holds them).
            #expect(run.evaluator.elaborator.models.liveCount <= 4, "\(devices) devices: \(run.evaluator.elaborator.models.liveCount) models alive")
        }
    }

    /// Every device after the first reuses the first one's compiled training graph, and the
    /// printed losses are those of compiling per device, to the last digit.
    @Test func devicesShareCompiledTrainingGraphsWithoutChangingAResult() throws {
        let directory = try PatternMechanicsTests.toyDirectory()
        let shared = try runScript(Self.script(devices: 5), directory: directory)
        let alone = try runScript(Self.script(devices: 5), directory: directory) { $0.sharesCompiledGraphs = false }
        #expect(shared.output == alone.output)
        #expect(Set(shared.output.dropLast()).count > 1, "devices should differ: \(shared.output)")
        #expect(shared.session.compiledGraphCounts.compiled == 1)
        #expect(shared.session.compiledGraphCounts.reused == 4)
        #expect(alone.session.compiledGraphCounts.compiled == 0)
    }
}
