import DCLDiagnostics
import DCLSyntax
import DCLCompiler
import DCLGraph
import DCLRuntime
import DCLTensor
import Foundation
import Testing

@Suite struct TrainingTests {
    static let script = """
    data d = csv("toy.csv", label: "label") |> holdout(test: 0.25, seed: 1)
    model net {
      input x: [6]
      features { linear(16) |> relu }
      head { linear(3) }
    }
    let before = evaluate(net, on: d.test)
    train net on d.train { epochs: 20, batch: 16, optimizer: adam(lr: 0.02), log: "none" }
    let after = evaluate(net, on: d.test)
    print "{before.accuracy:.3f} {after.accuracy:.3f}"
    save net to "net.safetensors"
    """

    static func directory() throws -> String {
        try temporaryDirectory(files: ["toy.csv": syntheticCSV(rows: 400, features: 6, classes: 3, seed: 4)])
    }

    @Test func trainingLearnsTheToyTask() throws {
        let r = try runScript(Self.script, directory: try Self.directory())
        let parts = r.output[0].split(separator: " ").compactMap { Double($0) }
        #expect(parts.count == 2)
        #expect(parts[1] > 0.85, "accuracy after training: \(parts[1])")
        #expect(parts[1] > parts[0] + 0.3)
    }

    /// The same script and seed give the same bytes — with one thread or two.
    @Test func sameSeedSameWeightsWhateverTheThreadCount() throws {
        let dir = try Self.directory()
        _ = try runScript(Self.script, directory: dir, seed: 11, threads: 1)
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/net.safetensors"))
        _ = try runScript(Self.script, directory: dir, seed: 11, threads: 2)
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/net.safetensors"))
        _ = try runScript(Self.script, directory: dir, seed: 12, threads: 2)
        let c = try Data(contentsOf: URL(fileURLWithPath: dir + "/net.safetensors"))
        #expect(a == b)
        #expect(a != c)
    }

    /// The compiled objective's gradients (autodiff of the lowered graph) agree with central
    /// finite differences of the same loss, end to end from a dcl model.
    @Test func objectiveGradientsMatchFiniteDifferences() throws {
        let dir = try temporaryDirectory(files: ["toy.csv": syntheticCSV(rows: 12, features: 4, classes: 3, seed: 9)])
        let r = try runScript("""
        data d = csv("toy.csv", label: "label")
        model net {
          input x: [4]
          features { linear(5) |> tanh }
          head { linear(3) }
        }
        print net.params
        """, directory: dir)
        let env = r.evaluator.environment(of: r.evaluator.program.main)
        guard case .model(let m) = try r.evaluator.lookup("net", in: env, span: .none),
              case .dataset(let data) = try r.evaluator.lookup("d", in: env, span: .none) else {
            Issue.record("no model or data")
            return
        }
        let columns = [BatchColumn(name: "x", shape: [4], dtype: .float32), BatchColumn(name: "y", shape: [], dtype: .int32)]
        let objective = try r.evaluator.elaborator.lowerObjective(.defaultLoss(m, labels: "y"), targets: [m], columns: columns, span: .none)
        let (graph, grads) = try Autodiff.parameterGradients(of: objective.loss, in: objective.graph, parameters: objective.trainable)
        let b = GraphBuilder(graph: graph)
        for (name, v) in grads.sorted(by: { $0.key < $1.key }) { try b.output("grad:" + name, b.graph.value(v)) }
        let g = try b.finish()
        let exec = try Executor(graph: g)
        let inputs = ["x": try data.dataset.column("x"), "y": try data.dataset.column("y")]
        let store = ParameterStore()
        for p in g.parameters {
            let ref = objective.owners[p.name]!
            store.tensors[p.name] = r.evaluator.elaborator.models.owner(of: ref)!.weights.tensors[ref.name]!
        }
        let out = try exec.run(inputs: inputs, store: store)
        let lossOnly = try Executor(graph: objective.graph)
        func loss() throws -> Double { Double(try lossOnly.run(inputs: inputs, store: store)["loss"]!.floats[0]) }
        var checked = 0
        for name in objective.trainable {
            let analytic = out["grad:" + name]!.floats
            for i in stride(from: 0, to: analytic.count, by: max(1, analytic.count / 4)) {
                let h: Float = 1e-2
                let original = store.tensors[name]!
                var plus = original, minus = original
                plus.withMutableFloats { $0[i] += h }
                minus.withMutableFloats { $0[i] -= h }
                store.tensors[name] = plus
                let lp = try loss()
                store.tensors[name] = minus
                let lm = try loss()
                store.tensors[name] = original
                let numeric = (lp - lm) / Double(2 * h)
                #expect(abs(numeric - Double(analytic[i])) <= 2e-3 + 2e-2 * abs(numeric), "\(name)[\(i)]: \(numeric) vs \(analytic[i])")
                checked += 1
            }
        }
        #expect(checked >= 16)
    }

    /// Static memory planning: the planned run gives the same bytes as one buffer per value,
    /// and its peak is no larger than the naive sum.
    @Test func memoryPlanMatchesNaiveRun() throws {
        let r = try runScript("import std.vision\nlet net = lenet(10)\n")
        guard case .model(let m)? = r.value("net") else { Issue.record("no model"); return }
        let g = try m.forward(training: false)
        var x = try Tensor(zeros: [5, 1, 28, 28])
        x.withMutableFloats { for i in 0..<$0.count { $0[i] = Float((i * 37) % 101) / 101 } }
        let planned = try Executor(graph: g, options: ExecutionOptions(memory: .planned)).run(inputs: ["x": x], store: m.weights)
        let naive = try Executor(graph: g, options: ExecutionOptions(memory: .naive)).run(inputs: ["x": x], store: m.weights)
        #expect(planned[ForwardGraph.output]!.bitwiseEqual(naive[ForwardGraph.output]!))
        let report = try m.cost(batch: 5)
        #expect(report.peakActivationBytes <= report.totalActivationBytes)
        #expect(report.peakActivationBytes > 0)
    }
}


@Suite struct FormattingInvarianceTests {
    /// Formatting a script never changes its results: random streams follow execution order,
    /// not source positions.
    @Test func formattedScriptGivesTheSameNumbers() throws {
        let dir = try TrainingTests.directory()
        let messy = "data d=csv(\"toy.csv\",label:\"label\")|>shuffle|>holdout(test:0.25)\nmodel net{input x:[6]\nfeatures{linear(16)|>relu|>dropout(0.2)}\nhead{linear(3)}}\ntrain net on d.train{epochs:3,batch:16,log:\"none\"}\nprint evaluate(net,on:d.test).loss\n"
        let sources = SourceManager()
        let file = sources.add(path: "messy.dcl", text: messy)
        let engine = DiagnosticEngine()
        let formatted = try #require(SourceFormatter.format(file, diagnostics: engine))
        #expect(formatted != messy)
        let a = try runScript(messy, directory: dir).output
        let b = try runScript(formatted, directory: dir).output
        #expect(a == b)
        #expect(a.count == 1)
    }
}
