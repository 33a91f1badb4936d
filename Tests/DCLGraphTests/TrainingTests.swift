import DCLBench
import Testing
import DCLTensor
@testable import DCLGraph

/// A small classifier (features → hidden → classes) and a fixed random batch, for end-to-end
/// training tests in debug builds.
func smallClassifier(features: Int = 12, hidden: Int = 16, classes: Int = 3) throws -> (Graph, ValueID) {
    let b = GraphBuilder()
    let x = try b.input("x", TensorType(.float32, [.symbol("N"), Dim(features)]))
    let y = try b.input("y", TensorType(.int32, [.symbol("N")]))
    let h = try ReferenceModels.linear(b, x, "fc1", hidden, activation: .relu)
    let logits = try ReferenceModels.linear(b, h, "fc2", classes)
    let loss = try b.crossEntropy(logits, y, name: "loss")
    try b.output("logits", logits)
    try b.output("loss", loss)
    return (try b.finish(), loss.id)
}

func randomBatch(n: Int, features: Int, classes: Int, seed: UInt64) throws -> [String: Tensor] {
    var r = SeededGenerator(seed: seed)
    let labels = (0..<n).map { _ in Int32(r.nextInt(below: classes)) }
    // Class-dependent means make the problem learnable.
    var xs: [Float] = []
    for i in 0..<n { for f in 0..<features { xs.append(Float(r.nextNormal()) + (f % classes == Int(labels[i]) ? 1.5 : 0)) } }
    return ["x": try Tensor(shape: [n, features], floats: xs), "y": try Tensor(shape: [n], ints: labels)]
}

@Suite struct TrainingTests {
    func train(steps: Int, options: ExecutionOptions, config: TrainingConfig) throws -> (ParameterStore, [Float]) {
        let (fwd, loss) = try smallClassifier()
        let graph = try TrainingGraph.build(fwd, loss: loss, config: config)
        let store = ParameterStore()
        try store.initialize(graph, seed: 7)
        let exec = try Executor(graph: graph, options: options)
        let batch = try randomBatch(n: 10, features: 12, classes: 3, seed: 1)
        var losses: [Float] = []
        for _ in 0..<steps { losses.append(try exec.run(inputs: batch, store: store)["loss"]!.floats[0]) }
        return (store, losses)
    }

    @Test func adamTrainingReducesLoss() throws {
        let (store, losses) = try train(steps: 30, options: ExecutionOptions(),
                                        config: TrainingConfig(optimizer: .adam(), schedule: .constant(0.01)))
        #expect(losses.last! < losses.first! * 0.5)
        #expect(store.step == 30)
    }

    @Test func plannedRunMatchesNaiveRunBitForBit() throws {
        for config in [TrainingConfig(optimizer: .adam(), schedule: .constant(0.01), clipNorm: 1),
                       TrainingConfig(optimizer: .sgd(momentum: 0.9, nesterov: true, weightDecay: 1e-3), schedule: .cosine(base: 0.1, total: 5, minimum: 0))] {
            let (a, la) = try train(steps: 5, options: ExecutionOptions(memory: .planned, poisonArena: true), config: config)
            let (b, lb) = try train(steps: 5, options: ExecutionOptions(memory: .naive), config: config)
            #expect(la == lb)
            #expect(a.bitwiseEqual(b))
        }
    }

    @Test func oneAndTwoThreadsGiveIdenticalBytes() throws {
        let config = TrainingConfig(optimizer: .adamw(), schedule: .warmup(steps: 2, then: .constant(0.01)), clipNorm: 5)
        let (a, _) = try train(steps: 4, options: ExecutionOptions(pool: ThreadPool(threads: 1)), config: config)
        let (b, _) = try train(steps: 4, options: ExecutionOptions(pool: ThreadPool(threads: 2)), config: config)
        #expect(a.bitwiseEqual(b))
    }
}

@Suite struct StateTests {
    @Test func frozenParametersStayPutWhileRunningStatisticsMove() throws {
        let b = GraphBuilder()
        let x = try b.input("x", TensorType(.float32, [.symbol("N"), 3, 4, 4]))
        let y = try b.input("y", TensorType(.int32, [.symbol("N")]))
        let cw = try b.parameter("backbone.conv", shape: [4, 3, 3, 3], initializer: .normal(mean: 0, std: 0.3), trainable: false)
        var h = try b.conv2d(x, cw, params: Conv2DParams(padding: (1, 1)))
        h = try b.relu(try b.batchNorm(h, prefix: "bn", training: true))
        h = try b.dropout(try b.globalAvgPool(h), p: 0.2, seed: 5)
        let logits = try ReferenceModels.linear(b, h, "head", 3)
        let loss = try b.crossEntropy(logits, y)
        let train = try TrainingGraph.build(try b.finish(), loss: loss.id,
                                            config: TrainingConfig(optimizer: .sgd(momentum: 0.9), schedule: .constant(0.1)))
        #expect(train.parameter(named: "backbone.conv.momentum") == nil)
        let store = ParameterStore()
        try store.initialize(train, seed: 3)
        let before = store.copy()
        var r = SeededGenerator(seed: 9)
        let batch = ["x": try Tensor(shape: [5, 3, 4, 4], floats: (0..<240).map { _ in Float(r.nextNormal()) }),
                     "y": try Tensor(shape: [5], ints: [0, 1, 2, 1, 0])]
        let exec = try Executor(graph: train)
        var losses: [Float] = []
        for _ in 0..<3 { losses.append(try exec.run(inputs: batch, store: store)["loss"]!.floats[0]) }
        #expect(store.tensors["backbone.conv"]!.bitwiseEqual(before.tensors["backbone.conv"]!))
        #expect(!store.tensors["bn.running_mean"]!.bitwiseEqual(before.tensors["bn.running_mean"]!))
        #expect(!store.tensors["bn.weight"]!.bitwiseEqual(before.tensors["bn.weight"]!))
        #expect(!store.tensors["head.weight"]!.bitwiseEqual(before.tensors["head.weight"]!))
        #expect(store.step == 3)
        // The running mean follows PyTorch's update with momentum 0.1 from a zero start.
        #expect(store.tensors["bn.running_mean"]!.floats.allSatisfy { $0.isFinite })
        #expect(losses.allSatisfy { $0.isFinite })
    }
}

@Suite struct ReferenceModelTests {
    @Test func attentionBlockGradientsRunPlannedAndNaiveAlike() throws {
        let (fwd, loss) = try ReferenceModels.attentionBlock(seq: 5, dim: 8, heads: 2)
        let b = GraphBuilder(graph: fwd)
        let targets = fwd.parameters.map { fwd.value($0.value) } + [fwd.value(fwd.input(named: "x")!)]
        let grads = try Autodiff.gradients(of: fwd.value(loss), wrt: targets, in: b)
        #expect(grads.count == targets.count)
        for (i, t) in targets.enumerated() { try b.output("g\(i)", grads[t.id]!) }
        let g = try b.finish()
        let store = ParameterStore()
        try store.initialize(g, seed: 1)
        var r = SeededGenerator(seed: 2)
        let x = try Tensor(shape: [3, 5, 8], floats: (0..<120).map { _ in Float(r.nextNormal()) })
        let a = try Executor(graph: g, options: ExecutionOptions(memory: .planned, poisonArena: true)).run(inputs: ["x": x], store: store)
        let n = try Executor(graph: g, options: ExecutionOptions(memory: .naive)).run(inputs: ["x": x], store: store)
        for (k, v) in a { #expect(v.bitwiseEqual(n[k]!), "\(k)") }
        #expect(a["loss"]!.floats[0].isFinite)
    }
}
