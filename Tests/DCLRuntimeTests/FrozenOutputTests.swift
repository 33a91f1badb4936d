import DCLCompiler
import DCLRuntime
import Testing

/// Issue #10: a plug-in's frozen backbone runs once per stored sample and weights, not once per
/// training or evaluation — and reusing its outputs changes no printed digit.
@Suite struct FrozenOutputTests {
    static let script = """
    import std.nn
    import std.iciia
    data d = csv("toy.csv", label: "label")
    model net {
      input x: [6]
      features { linear(16) |> relu }
      head { linear(3) }
    }
    train net on d { epochs: 1, batch: 16, log: "none" }
    let clients = d |> partition(iid(), clients: 4, test: 0.5, seed: 3)
    let att = inter_image_attention(net, heads: 2, memory: 4, min_memory: 2)
    train att on clients.train { epochs: 2, batch: 8, log: "none" }
    let a = evaluate(att, on: clients.test)
    let b = evaluate(att, on: clients.test, memory: 2)
    print "{a.accuracy:.9f} {a.loss:.9f} {b.accuracy:.9f} {b.loss:.9f}"
    // The backbone changes: features and head outputs must be computed again, not served stale.
    train net on d { epochs: 1, batch: 16, optimizer: sgd(lr: 0.5), log: "none" }
    let c = evaluate(att, on: clients.test)
    print "{c.accuracy:.9f} {c.loss:.9f}"
    """

    @Test func reusedOutputsGiveTheDigitsOfComputingEveryTime() throws {
        let directory = try PatternMechanicsTests.toyDirectory()
        let cached = try runScript(Self.script, directory: directory)
        let direct = try runScript(Self.script, directory: directory) { $0.cachesFrozenOutputs = false }
        #expect(cached.output == direct.output)
        #expect(cached.output.count == 2 && cached.output[0].prefix(23) != cached.output[1].prefix(23),
                "retraining the backbone should change the plug-in's results: \(cached.output)")
        let counts = cached.session.frozenOutputCounts
        // 60 training and 60 test rows. Computed: the plug-in's training takes the features of
        // both (120); `a` the head outputs of the test rows (60); after the backbone changes, `c`
        // its test features, head outputs and the history's features again (180). Reused: `a`'s
        // test features and history (120) and all of `b` (180).
        #expect(counts.computed == 360 && counts.reused == 300, "\(counts)")
        #expect(direct.session.frozenOutputCounts.computed == 0)
    }
}
