import DCLBench
import Testing
import DCLTensor
@testable import DCLGraph

@Suite struct PrinterTests {
    /// A training graph exercises most attribute kinds (schedules, activations, dims, floats).
    func sampleGraphs() throws -> [Graph] {
        let (mlp, loss) = try smallClassifier()
        let train = try TrainingGraph.build(mlp, loss: loss, config: TrainingConfig(optimizer: .adamw(), schedule: .warmup(steps: 10, then: .cosine(base: 1e-3, total: 100, minimum: 0)), clipNorm: 5))
        let (lenet, lloss) = try ReferenceModels.lenet()
        let lenetTrain = try TrainingGraph.build(lenet, loss: lloss, config: TrainingConfig(optimizer: .sgd(momentum: 0.9), schedule: .constant(0.01)))
        let b = GraphBuilder()
        let x = try b.input("feat \"q\"", TensorType(.float32, [.symbol("N"), 8]))
        let mem = b.constant(try Tensor(shape: [2, 8], floats: (0..<16).map { Float($0) * 0.5 - 3 }))
        let seq = try b.concat([mem, x], axis: 0)
        let part = try b.slice(seq, axis: 0, start: 2, size: .symbol("N"))
        let w = try b.parameter("pl", shape: [4, 2, 2], initializer: .xavierNormal(fanIn: 2, fanOut: 2, gain: 1))
        let y = try b.shuffle(try b.partitionedLinear(part, w), axis: 1, groups: 4)
        let (v, i) = try b.topK(y, k: 3)
        try b.output("v", v)
        try b.output("i", i)
        try b.output("m", try b.reduce(.mean, try b.dropout(seq, p: 0.1, seed: 3), axes: [0]))
        // Row-sparse gradients and lazy updates (with clipping, with momentum).
        let (emb, eloss) = try embeddingModel()
        let embAdam = try TrainingGraph.build(emb, loss: eloss, config: TrainingConfig(optimizer: .adam(), schedule: .constant(1e-3), clipNorm: 5))
        let embSGD = try TrainingGraph.build(emb, loss: eloss, config: TrainingConfig(optimizer: .sgd(momentum: 0.9), schedule: .constant(0.1)))
        return [mlp, train, lenet, lenetTrain, try b.finish(), embAdam, embSGD]
    }

    @Test func printParsePrintIsIdentity() throws {
        for g in try sampleGraphs() {
            let text = GraphPrinter.print(g)
            let parsed = try GraphParser.parse(text)
            #expect(GraphPrinter.print(parsed) == text)
        }
    }

    @Test func parsedGraphRunsLikeTheOriginal() throws {
        let g = try sampleGraphs()[1]
        let parsed = try GraphParser.parse(GraphPrinter.print(g))
        let batch = try randomBatch(n: 6, features: 12, classes: 3, seed: 2)
        let s1 = ParameterStore(), s2 = ParameterStore()
        try s1.initialize(g, seed: 1)
        try s2.initialize(parsed, seed: 1)
        let a = try Executor(graph: g).run(inputs: batch, store: s1)
        let b = try Executor(graph: parsed).run(inputs: batch, store: s2)
        #expect(a["loss"]!.bitwiseEqual(b["loss"]!))
        #expect(s1.bitwiseEqual(s2))
    }

    @Test func parsedSparseTrainingGraphRunsLikeTheOriginal() throws {
        for g in try sampleGraphs().suffix(2) {
            #expect(g.nodes.contains { $0.op is CoalesceRows })
            let parsed = try GraphParser.parse(GraphPrinter.print(g))
            let s1 = ParameterStore(), s2 = ParameterStore()
            try s1.initialize(g, seed: 1)
            try s2.initialize(parsed, seed: 1)
            for step in 0..<2 {
                let batch = try embeddingBatch(n: 9, seed: UInt64(step))
                try Executor(graph: g).run(inputs: batch, store: s1)
                try Executor(graph: parsed).run(inputs: batch, store: s2)
            }
            #expect(s1.bitwiseEqual(s2))
        }
    }

    @Test func malformedTextIsAClearError() {
        #expect(throws: GraphError.self) { try GraphParser.parse("graph {\n  %0 = nosuchop() {} : f32[] @\"x\" #0\n}\n") }
        #expect(throws: GraphError.self) { try GraphParser.parse("graph {\n  input %0 \"x\" : f33[2]\n}\n") }
        #expect(throws: GraphError.self) { try GraphParser.parse("graph {\n  output \"y\" = %4\n}\n") }
        #expect(throws: GraphError.self) { try GraphParser.parse("graph {\n") }
    }

    @Test func dotMentionsEveryNode() throws {
        let (g, _) = try ReferenceModels.lenet()
        let dot = DotWriter.render(g)
        #expect(dot.hasPrefix("digraph"))
        for i in g.nodes.indices { #expect(dot.contains("n\(i) [shape=box")) }
    }
}

