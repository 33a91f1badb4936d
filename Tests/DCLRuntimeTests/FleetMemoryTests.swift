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
          accs += [evaluate(m, on: d).accuracy]
          accs += [evaluate(base + m, on: d).accuracy]
        }
        print "{len(accs)}"
        """
    }

    @Test func modelsMadePerDeviceAreFreedWhenTheIterationEnds() throws {
        let directory = try PatternMechanicsTests.toyDirectory()
        for devices in [3, 40] {
            let run = try runScript(Self.script(devices: devices), directory: directory)
            #expect(run.output == ["\(2 * devices)"])
            // `base` (and at most the last iteration's models, if a binding still holds them).
            #expect(run.evaluator.models.liveCount <= 4, "\(devices) devices: \(run.evaluator.models.liveCount) models alive")
        }
    }
}
