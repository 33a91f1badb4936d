import DCLBench
import Testing
import DCLTensor
@testable import DCLGraph

/// Plans hold offsets and borrow the thread's arena per run: memory must not grow with the number
/// of batch sizes an executor meets, and reusing one buffer across plans must not change a bit.
@Suite struct RunArenaTests {
    static func inputs(_ n: Int, seed: UInt64) throws -> [String: Tensor] {
        var r = SeededGenerator(seed: seed)
        return ["x": try Tensor(shape: [n, 1, 28, 28], floats: (0..<(n * 784)).map { _ in r.nextUnitFloat() }),
                "y": try Tensor(shape: [n], ints: (0..<n).map { Int32($0 % 10) })]
    }

    @Test func manyBatchSizesKeepBoundedPlansAndOneArena() throws {
        let (fwd, _) = try ReferenceModels.lenet()
        let exec = try Executor(graph: try Passes.fuse(fwd), options: ExecutionOptions(pool: .serial, poisonArena: true))
        let store = ParameterStore()
        try store.initialize(exec.graph, seed: 3)
        // Tests share threads: start from an empty buffer (the body never suspends, so it stays
        // on this thread and no other test runs on it meanwhile).
        RunArena.releaseCurrent()
        var largest = 0
        // 3 × 20 sizes: every plan is compiled, evicted and compiled again.
        for round in 0..<3 {
            for n in 1...20 {
                let out = try exec.run(inputs: try Self.inputs(n, seed: UInt64(n)), store: store)
                // Same input, fresh executor (own plan, same thread arena): identical bytes.
                if round == 2 && n % 7 == 0 {
                    let again = try Executor(graph: exec.graph, options: ExecutionOptions(pool: .serial))
                        .run(inputs: try Self.inputs(n, seed: UInt64(n)), store: store)
                    #expect(out.keys.sorted() == again.keys.sorted())
                    for (k, t) in out { #expect(t.floats == again[k]!.floats, "\(k) at N=\(n)") }
                }
                largest = max(largest, try exec.plan(["N": n]).arenaBytes)
                #expect(exec.cachedPlanCount <= Executor.planCacheSize)
            }
        }
        // The thread's buffer is about the largest arena, not the sum over sizes.
        #expect(RunArena.currentCapacity >= largest)
        #expect(RunArena.currentCapacity <= largest * 2)
    }

    @Test func repeatedShapesReuseTheLastPlanAndStillCheckInputs() throws {
        let (fwd, loss) = try ReferenceModels.lenet()
        let train = try Passes.fuse(try TrainingGraph.build(fwd, loss: loss, config: TrainingConfig(optimizer: .adam(), schedule: .constant(1e-3))))
        let shared = ParameterStore(), fresh = ParameterStore()
        try shared.initialize(train, seed: 2)
        try fresh.initialize(train, seed: 2)
        let exec = try Executor(graph: train, options: ExecutionOptions(pool: .serial))
        // Runs of one shape (the fast path), a ragged last batch, back to the first shape.
        for (step, n) in [4, 4, 4, 3, 4, 4, 3, 3].enumerated() {
            let inputs = try Self.inputs(n, seed: UInt64(step))
            let a = try exec.run(inputs: inputs, store: shared)["loss"]!
            let b = try Executor(graph: train, options: ExecutionOptions(pool: .serial)).run(inputs: inputs, store: fresh)["loss"]!
            #expect(a.floats == b.floats, "step \(step), N=\(n)")
        }
        #expect(shared.bitwiseEqual(fresh))
        // Same shapes as the last run but a wrong element type: still refused, naming the input.
        var bad = try Self.inputs(3, seed: 9)
        bad["y"] = try Tensor(shape: [3], floats: [0, 1, 2])
        #expect(throws: GraphError.self) { try exec.run(inputs: bad, store: shared) }
        bad["y"] = nil
        #expect(throws: GraphError.self) { try exec.run(inputs: bad, store: shared) }
    }

    @Test func evictedPlansGiveTheSameResultsAsFresh() throws {
        let (fwd, loss) = try ReferenceModels.lenet()
        let train = try Passes.fuse(try TrainingGraph.build(fwd, loss: loss, config: TrainingConfig(optimizer: .adam(), schedule: .constant(1e-3))))
        // One executor that cycles through more sizes than it caches, one per size.
        let shared = ParameterStore(), fresh = ParameterStore()
        try shared.initialize(train, seed: 1)
        try fresh.initialize(train, seed: 1)
        let cycling = try Executor(graph: train, options: ExecutionOptions(pool: .serial))
        for step in 0..<(2 * Executor.planCacheSize + 3) {
            let n = 1 + (step * 5) % (Executor.planCacheSize + 4)
            let inputs = try Self.inputs(n, seed: UInt64(step))
            let a = try cycling.run(inputs: inputs, store: shared)["loss"]!
            let b = try Executor(graph: train, options: ExecutionOptions(pool: .serial)).run(inputs: inputs, store: fresh)["loss"]!
            #expect(a.floats == b.floats, "step \(step), N=\(n)")
        }
        #expect(shared.bitwiseEqual(fresh))
    }
}
