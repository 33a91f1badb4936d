import DCLCompiler
import DCLGraph
import DCLRuntime
import DCLTestScratch
import Foundation
import Testing

/// Two sessions in one process are as independent as two processes (issue #13): each has its
/// own model table, so ids, parameter names and everything derived from them (a `reinit`
/// without a seed draws from the model's id) are the same whatever else the process runs.
@Suite(.ownThreads) struct SessionIsolationTests {
    /// PatternMechanicsTests' DC-CCL toy (a width split, a distilled control model), the device
    /// half trained against it, and a model whose weights `reinit` redraws from its id.
    static let toy = PatternMechanicsTests.dcccl + """

    for dev in device {
      train base.device on dev.train minimizing cross_entropy(stop(control(x)) + base.device(x), y) { epochs: 2, log: "none" }
    }
    let fused = evaluate(base, on: d)
    print "fused {fused.accuracy:.4f} {fused.loss:.6f}"
    let probe = mlp(shape: [6], hidden: [4], classes: 3)
    reinit(probe)
    let redrawn = evaluate(probe, on: d)
    print "reinit {redrawn.loss:.6f}"
    """

    /// Examples/digits.dcl trained for one epoch on 256 images, without (timed) progress lines.
    static func digits() throws -> String {
        var text = try String(contentsOfFile: examplesDirectory + "/digits.dcl", encoding: .utf8)
        for (old, new) in [("epochs: 15,", "epochs: 1, log: \"none\","), ("on digits.train", "on digits.train |> take(256)")] {
            try #require(text.contains(old), "Examples/digits.dcl no longer contains `\(old)`")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return text
    }

    struct NotAModel: Error { let name: String }

    @Test func modelIDsStartOverInEverySession() throws {
        let script = """
        import std.nn
        let a = mlp(shape: [4], hidden: [3], classes: 2)
        let b = mlp(shape: [4], hidden: [3], classes: 2)
        let both = a + b
        """
        func run() throws -> (ids: [ModelID], names: [String]) {
            let r = try runScript(script)
            var ids: [ModelID] = []
            for name in ["a", "b", "both"] {
                guard case .model(let m)? = r.value(name) else { throw NotAModel(name: name) }
                ids.append(m.id)
            }
            guard case .model(let both)? = r.value("both") else { return (ids, []) }
            return (ids, try both.forward(training: false).parameters.map(\.name))
        }
        let first = try run(), second = try run()
        #expect(first.ids == second.ids)
        #expect(first.names == second.names)
        #expect(first.ids[0] < first.ids[1] && first.ids[1] < first.ids[2])
    }

    /// The elaborator refers back to its interpreter weakly, so a session's values, models and
    /// interpreter are freed when the session is dropped — no cycle to break by hand — and a
    /// model kept beyond its session says why it cannot build its training graph.
    @Test func aDroppedSessionFreesItsInterpreterAndModels() throws {
        let script = """
        import std.nn
        let a = mlp(shape: [4], hidden: [3], classes: 2)
        let both = a + copy(a)
        """
        weak var interpreter: Evaluator?
        weak var table: ModelTable?
        var kept: ModelInstance?
        do {
            let r = try runScript(script)
            interpreter = r.evaluator
            table = r.evaluator.elaborator.models
            #expect(r.evaluator.elaborator.models.liveCount == 3)
            guard case .model(let m)? = r.value("a") else { throw NotAModel(name: "a") }
            kept = m
        }
        #expect(interpreter == nil, "the interpreter outlived its session")
        do {
            let model = try #require(kept)
            // Its inference graph was built while the session ran; the training graph is not yet.
            #expect(try model.forward(training: false).parameters.count == 4)
            #expect(throws: RuntimeError.self) { try model.forward(training: true) }
            do {
                _ = try model.forward(training: true)
            } catch let e as RuntimeError {
                #expect(e.message.contains("the session that made it has ended"))
            }
        }
        kept = nil
        #expect(table == nil, "the model table outlived its last model")
    }

    @Test func twoSessionsConcurrentlyPrintWhatEachPrintsAlone() throws {
        let toyDirectory = try PatternMechanicsTests.toyDirectory()
        let digits = try Self.digits()
        let runs: [() throws -> [String]] = [
            { try runScript(Self.toy, directory: toyDirectory).output },
            { try runScript(digits, directory: examplesDirectory).output },
        ]
        let alone = try runs.map { try $0() }
        #expect(alone[0].count == 2 && alone[1].count >= 2)
        let together = try Self.concurrently(runs)
        #expect(together[0] == alone[0])
        #expect(together[1] == alone[1])
        // Once more in the same process, after all of the above.
        #expect(try runs[0]() == alone[0])
    }

    /// Runs each body on its own thread, all at once; returns their results in order.
    static func concurrently(_ bodies: [() throws -> [String]]) throws -> [[String]] {
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var values: [Result<[String], Error>?]
            init(_ n: Int) { values = Array(repeating: nil, count: n) }
        }
        let results = Results(bodies.count)
        let group = DispatchGroup()
        for (i, body) in bodies.enumerated() {
            group.enter()
            let thread = Thread {
                let r = Result { try body() }
                results.lock.withLock { results.values[i] = r }
                group.leave()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        group.wait()
        return try results.values.map { try $0!.get() }
    }
}
