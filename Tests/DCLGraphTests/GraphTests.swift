import DCLBench
import Testing
import DCLTensor
@testable import DCLGraph

@Suite struct BuilderAndTypeTests {
    @Test func shapeErrorsNameTheOpShapesNodeAndOrigin() throws {
        let b = GraphBuilder()
        b.origin = 42
        let x = try b.input("x", TensorType(.float32, [.symbol("N"), 784]))
        let w = try b.parameter("w", shape: [100, 10], initializer: .zeros)
        do {
            _ = try b.scope("features") { try b.matmul(x, w) }
            Issue.record("expected a shape error")
        } catch let e as GraphError {
            #expect(e.op == "matmul")
            #expect(e.message.contains("f32[N,784]") && e.message.contains("f32[100,10]"))
            #expect(e.node == "features.matmul_1")
            #expect(e.origin == 42)
        }
        #expect(throws: GraphError.self) { try b.add(x, try b.input("z", .f32([3]))) }
        #expect(throws: GraphError.self) { try b.conv2d(x, w) }
        #expect(throws: GraphError.self) { try b.crossEntropy(x, x) }
        #expect(throws: GraphError.self) { try b.reshape(x, [Dim(7), .symbol("N")]) }
        #expect(throws: GraphError.self) { try b.parameter("w", shape: [1], initializer: .zeros) }
        #expect(throws: GraphError.self) { try b.parameter("neg", shape: [-1], initializer: .zeros) }
        #expect(throws: GraphError.self) { try b.dropout(x, p: 1.5, seed: 0) }
    }

    @Test func symbolicDimsAnywhere() throws {
        #expect(Dim(parsing: "4*N+16") == Dim(4) * .symbol("N") + Dim(16))
        #expect((Dim.symbol("N") * .symbol("T")).description == "N*T")
        #expect(Dim(parsing: (Dim(3) - .symbol("N") * Dim(2)).description) == Dim(3) - .symbol("N") * Dim(2))
        #expect((Dim(8) * .symbol("N")).divided(by: Dim(4)) == Dim(2) * .symbol("N"))
        #expect(Dim.symbol("N").divided(by: Dim(2)) == nil)
        // Attention over the batch: N moves to the middle, and memory + current images concatenate.
        let b = GraphBuilder()
        let x = try b.input("x", TensorType(.float32, [.symbol("N"), 8]))
        let mem = try b.input("mem", TensorType(.float32, [16, 8]))
        let seq = try b.concat([mem, x], axis: 0)
        #expect(seq.type.dims == [Dim(16) + .symbol("N"), 8])
        let heads = try b.transpose(try b.reshape(seq, [Dim(-1), 2, 4]), [1, 0, 2])
        #expect(heads.type.dims == [2, Dim(16) + .symbol("N"), 4])
        let scores = try b.softmax(try b.matmul(heads, heads, transposeB: true))
        let out = try b.slice(try b.reshape(try b.transpose(try b.matmul(scores, heads), [1, 0, 2]), [Dim(-1), 8]), axis: 0, start: 16, size: .symbol("N"))
        #expect(out.type == x.type)
        try b.output("y", out)
        let exec = try Executor(graph: try b.finish())
        for n in [1, 5] {
            let y = try exec.run(inputs: ["x": try Tensor(zeros: [n, 8]), "mem": try Tensor(zeros: [16, 8])], store: ParameterStore())
            #expect(y["y"]!.shape == [n, 8])
        }
    }

    @Test func runtimeInputErrors() throws {
        let (g, _) = try smallClassifier()
        let exec = try Executor(graph: g)
        let store = ParameterStore()
        #expect(throws: GraphError.self) { try exec.run(inputs: try randomBatch(n: 4, features: 12, classes: 3, seed: 1), store: store) } // not initialised
        try store.initialize(g, seed: 1)
        #expect(throws: GraphError.self) { try exec.run(inputs: ["x": try Tensor(zeros: [4, 12])], store: store) }          // missing y
        #expect(throws: GraphError.self) {
            try exec.run(inputs: ["x": try Tensor(zeros: [4, 11]), "y": try Tensor(zeros: [4], dtype: .int32)], store: store)
        }
        #expect(throws: GraphError.self) {
            try exec.run(inputs: ["x": try Tensor(zeros: [4, 12]), "y": try Tensor(zeros: [5], dtype: .int32)], store: store)
        }
        // A label out of range is a run-time error that names the node.
        do {
            _ = try exec.run(inputs: ["x": try Tensor(zeros: [2, 12]), "y": try Tensor(shape: [2], ints: [0, 9])], store: store)
            Issue.record("expected an error")
        } catch let e as GraphError {
            #expect(e.node == "loss")
            #expect(e.message.contains("label 9"))
        }
        // NaN detection names the node that produced it.
        let b = GraphBuilder()
        let x = try b.input("x", .f32([3]))
        try b.output("y", try b.log(x, name: "bad_log"))
        let checked = try Executor(graph: try b.finish(), options: ExecutionOptions(checkFinite: true))
        do {
            _ = try checked.run(inputs: ["x": try Tensor(shape: [3], floats: [1, -1, 2])], store: ParameterStore())
            Issue.record("expected a non-finite error")
        } catch let e as GraphError {
            #expect(e.op == "check_finite" && e.node == "bad_log")
        }
    }

    @Test func emptyBatchRunsWithoutCrashing() throws {
        let (fwd, _) = try ReferenceModels.lenet()
        let store = ParameterStore()
        try store.initialize(fwd, seed: 1)
        let out = try Executor(graph: fwd).run(inputs: ["x": try Tensor(zeros: [0, 1, 28, 28]), "y": try Tensor(zeros: [0], dtype: .int32)],
                                               store: store)
        #expect(out["logits"]!.shape == [0, 10])
        #expect(out["loss"]!.floats[0].isNaN)     // mean over no samples
    }

    @Test func costReportCountsMultiplyAddsAsTwo() throws {
        let b = GraphBuilder()
        let x = try b.input("x", TensorType(.float32, [.symbol("N"), 784]))
        let w = try b.parameter("w", shape: [784, 256], initializer: .zeros)
        let c = try b.parameter("c", shape: [6, 1, 5, 5], initializer: .zeros)
        try b.output("y", try b.matmul(x, w))
        try b.output("z", try b.conv2d(try b.reshape(x, [.symbol("N"), 1, 28, 28]), c))
        let r = try CostReport.make(try b.finish(), bindings: ["N": 64])
        #expect(r.rows[0].flops == 2 * 64 * 784 * 256)
        #expect(r.rows[0].parameters == 784 * 256)
        #expect(r.rows.last!.flops == 2 * 64 * 6 * 24 * 24 * 25)
        #expect(r.totalParameters == 784 * 256 + 150)
        #expect(r.rows[0].activationBytes == 64 * 256 * 4)
    }

    @Test func verifierRejectsBrokenGraphs() throws {
        let (g, _) = try smallClassifier()
        var bad = g
        bad.nodes.swapAt(0, 1)      // a node now reads a value defined after it
        #expect(throws: GraphError.self) { try Verifier.verify(bad) }
        var bad2 = g
        bad2.outputs.append(GraphOutput(name: "ghost", value: ValueID(999)))
        #expect(throws: GraphError.self) { try Verifier.verify(bad2) }
        var bad3 = g
        bad3.assignments.append(Assignment(parameter: "fc1.bias", value: g.output(named: "loss")!))
        #expect(throws: GraphError.self) { try Verifier.verify(bad3) }
    }
}

@Suite struct PassTests {
    @Test func deadNodesAndConstantFolding() throws {
        let b = GraphBuilder()
        let x = try b.input("x", .f32([4]))
        let c = try b.mul(b.constant(try Tensor(shape: [4], floats: [1, 2, 3, 4])), b.scalar(2))   // foldable
        _ = try b.exp(x)                                                                            // dead
        try b.output("y", try b.add(x, try b.sqrt(c)))
        let g = try b.finish()
        let folded = try Passes.foldConstants(try Passes.eliminateDeadNodes(g))
        #expect(folded.nodes.map(\.opName) == ["add"])
        let inputs = ["x": try Tensor(shape: [4], floats: [0, 1, 2, 3])]
        let a = try Executor(graph: g).run(inputs: inputs, store: ParameterStore())["y"]!
        let r = try Executor(graph: folded).run(inputs: inputs, store: ParameterStore())["y"]!
        #expect(a.bitwiseEqual(r))
    }

    @Test func fusionFoldsBiasAndActivationWithoutChangingResults() throws {
        let (fwd, loss) = try ReferenceModels.lenet()
        let train = try TrainingGraph.build(fwd, loss: loss, config: TrainingConfig(optimizer: .sgd(momentum: 0.9), schedule: .constant(0.01)))
        let fused = try Passes.fuse(train)
        #expect(fused.nodes.count < train.nodes.count)
        #expect(!fused.nodes.contains { $0.opName == "relu" })
        #expect(fused.nodes.filter { ($0.op as? MatMul)?.activation == .relu }.count == 2)
        var r = SeededGenerator(seed: 4)
        let x = try Tensor(shape: [3, 1, 28, 28], floats: (0..<(3 * 784)).map { _ in r.nextUnitFloat() })
        let inputs = ["x": x, "y": try Tensor(shape: [3], ints: [1, 7, 3])]
        let s1 = ParameterStore(), s2 = ParameterStore()
        try s1.initialize(train, seed: 9)
        try s2.initialize(fused, seed: 9)
        for _ in 0..<2 {
            let l1 = try Executor(graph: train).run(inputs: inputs, store: s1)["loss"]!
            let l2 = try Executor(graph: fused).run(inputs: inputs, store: s2)["loss"]!
            #expect(abs(l1.floats[0] - l2.floats[0]) < 1e-5)
        }
        for (k, v) in s1.tensors {
            #expect(zip(v.floats, s2.tensors[k]!.floats).allSatisfy { abs($0 - $1) < 1e-4 }, "\(k)")
        }
    }

    @Test func memoryPlanPeakIsBelowNaiveAndReusesBuffers() throws {
        let (fwd, loss) = try ReferenceModels.lenet()
        let train = try Passes.fuse(try TrainingGraph.build(fwd, loss: loss, config: TrainingConfig(optimizer: .adam(), schedule: .constant(1e-3))))
        for n in [1, 64] {
            let shapes = try Dictionary(uniqueKeysWithValues: train.types.map { ($0.key, try $0.value.shape(["N": n])) })
            let plan = MemoryPlan.make(train, shapes: shapes, mode: .planned)
            let naive = MemoryPlan.make(train, shapes: shapes, mode: .naive)
            #expect(plan.peakLiveBytes <= plan.arenaBytes)
            #expect(plan.arenaBytes <= plan.naiveBytes)
            #expect(plan.arenaBytes < naive.arenaBytes)
            #expect(naive.arenaBytes >= naive.naiveBytes)
            // Every parameter is updated in place.
            #expect(plan.inPlaceAssignments.count == train.assignments.count)
        }
        let report = try CostReport.make(train, bindings: ["N": 64])
        #expect(report.peakActivationBytes > 0 && report.peakActivationBytes < report.totalActivationBytes)
        #expect(report.table.contains("c1"))
    }

    @Test func lenetPlannedTrainingMatchesNaiveBitForBit() throws {
        let (fwd, loss) = try ReferenceModels.lenet()
        let train = try Passes.fuse(try TrainingGraph.build(fwd, loss: loss, config: TrainingConfig(optimizer: .adam(), schedule: .constant(1e-3), clipNorm: 5)))
        var r = SeededGenerator(seed: 5)
        let inputs = ["x": try Tensor(shape: [2, 1, 28, 28], floats: (0..<(2 * 784)).map { _ in r.nextUnitFloat() }),
                      "y": try Tensor(shape: [2], ints: [4, 9])]
        var stores: [ParameterStore] = []
        for (mode, threads) in [(MemoryPlan.Mode.planned, 2), (.naive, 1)] {
            let s = ParameterStore()
            try s.initialize(train, seed: 2)
            let exec = try Executor(graph: train, options: ExecutionOptions(memory: mode, pool: ThreadPool(threads: threads), poisonArena: mode == .planned))
            for _ in 0..<2 { try exec.run(inputs: inputs, store: s) }
            stores.append(s)
        }
        #expect(stores[0].bitwiseEqual(stores[1]))
    }

    @Test func sameSeedSameBytesAndCheckpointRoundTrip() throws {
        let (fwd, loss) = try smallClassifier()
        let train = try TrainingGraph.build(fwd, loss: loss, config: TrainingConfig(optimizer: .adam(), schedule: .constant(1e-2)))
        func run() throws -> ParameterStore {
            let s = ParameterStore()
            try s.initialize(train, seed: 123)
            let e = try Executor(graph: train)
            for k in 0..<3 { try e.run(inputs: try randomBatch(n: 7, features: 12, classes: 3, seed: UInt64(k)), store: s) }
            return s
        }
        let a = try run(), b = try run()
        #expect(a.bitwiseEqual(b))
        let path = "/tmp/dcl-store-\(getpid()).safetensors"
        defer { unlink(path) }
        try a.save(path: path)
        let c = try ParameterStore.load(path: path)
        #expect(c.bitwiseEqual(a))
    }
}

#if canImport(Glibc)
import Glibc
#endif
