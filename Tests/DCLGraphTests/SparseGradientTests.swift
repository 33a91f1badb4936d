// Row-sparse embedding gradients and lazy optimiser updates: finite differences, exact
// equivalence with the dense path for plain SGD, lazy Adam against a plain reference, clipping,
// threads, the dense fallback for tied tables, and O(batch) memory.

import Testing
import DCLTensor
@testable import DCLGraph

/// User and item tables gathered by int32 ids (the item table twice: the current item and the
/// user's two previous ones), a dense head on their product, BCE loss. With `tied`, the item
/// table is also the output layer of a matmul, so it must stay dense.
func embeddingModel(users: Int = 50, items: Int = 40, d: Int = 8, tied: Bool = false) throws -> (Graph, ValueID) {
    let b = GraphBuilder()
    let user = try b.input("user", TensorType(.int32, [.symbol("N")]))
    let item = try b.input("item", TensorType(.int32, [.symbol("N")]))
    let prev = try b.input("prev", TensorType(.int32, [.symbol("N"), 2]))
    let y = try b.input("y", TensorType(.float32, [.symbol("N"), 1]))
    let ut = try b.parameter("users", shape: [users, d], initializer: .normal(mean: 0, std: 0.5))
    let it = try b.parameter("items", shape: [items, d], initializer: .normal(mean: 0, std: 0.5))
    let w = try b.parameter("head.weight", shape: [d, 1], initializer: .normal(mean: 0, std: 0.5))
    let eu = try b.gather(ut, user)
    let ctx = try b.add(try b.gather(it, item), try b.reduce(.sum, try b.gather(it, prev), axes: [1]))
    var loss = try b.bceWithLogits(try b.matmul(try b.mul(eu, ctx), w), y)
    if tied {
        // Scores of every item for each user: the item table read densely.
        let scores = try b.matmul(eu, it, transposeB: true)
        loss = try b.add(loss, try b.reduce(.mean, try b.mul(scores, scores), axes: [0, 1]))
    }
    try b.output("loss", loss)
    return (try b.finish(), loss.id)
}

/// A batch whose ids repeat within and across the lookups.
func embeddingBatch(n: Int, users: Int = 50, items: Int = 40, seed: UInt64) throws -> [String: Tensor] {
    var r = SeededGenerator(seed: seed)
    let u = (0..<n).map { i in Int32(i % 3 == 0 ? 7 : r.nextInt(below: users)) }
    let it = (0..<n).map { _ in Int32(r.nextInt(below: items / 2)) }
    let prev = (0..<(2 * n)).map { _ in Int32(r.nextInt(below: items)) }
    let y = (0..<n).map { _ in Float(r.nextInt(below: 2)) }
    return ["user": try Tensor(shape: [n], ints: u), "item": try Tensor(shape: [n], ints: it),
            "prev": try Tensor(shape: [n, 2], ints: prev), "y": try Tensor(shape: [n, 1], floats: y)]
}

/// Trains `steps` steps on batches seeded 0, 1, …; returns the store.
func trainEmbedding(_ config: TrainingConfig, steps: Int, tied: Bool = false, d: Int = 8, users: Int = 50, items: Int = 40,
                    batch: Int = 24, options: ExecutionOptions = ExecutionOptions()) throws -> (ParameterStore, Graph) {
    let (fwd, loss) = try embeddingModel(users: users, items: items, d: d, tied: tied)
    let graph = try Passes.fuse(try TrainingGraph.build(fwd, loss: loss, config: config))
    let store = ParameterStore()
    try store.initialize(graph, seed: 11)
    let exec = try Executor(graph: graph, options: options)
    for s in 0..<steps { try exec.run(inputs: try embeddingBatch(n: batch, users: users, items: items, seed: UInt64(s)), store: store) }
    return (store, graph)
}

func ops(_ g: Graph) -> Set<String> { Set(g.nodes.map(\.opName)) }

@Suite struct SparseGradientTests {
    /// The coalesced gradient of a table read by two gathers (duplicate ids, an untouched row)
    /// against central differences, and bit for bit against the dense scatter_add gradient.
    @Test func coalescedGradientMatchesFiniteDifferencesAndDense() throws {
        let b = GraphBuilder()
        let t = try b.parameter("t", shape: [7, 5], initializer: .uniform(low: -1, high: 1))
        let i1 = b.constant(try Tensor(shape: [6], ints: [3, 0, 3, 6, 3, 1]))
        let i2 = b.constant(try Tensor(shape: [2, 3], ints: [6, 2, 2, 0, 5, 3]))
        var rng = SeededGenerator(seed: 5)
        let r1 = b.constant(try randomTensor([6, 5], -1...1, &rng)), r2 = b.constant(try randomTensor([2, 3, 5], -1...1, &rng))
        let g1 = try b.gather(t, i1), g2 = try b.gather(t, i2)
        let loss = try b.add(try b.reduce(.sum, try b.mul(try b.tanh(g1), r1), axes: [0, 1]),
                             try b.reduce(.sum, try b.mul(try b.mul(g2, g2), r2), axes: [0, 1, 2]))
        try b.output("loss", loss)
        let forward = try b.finish()

        let (sg, dense, sparse) = try Autodiff.splitParameterGradients(of: loss.id, in: forward, rowSparse: ["t"])
        #expect(dense["t"] == nil && sparse["t"]?.count == 2)
        let sb = GraphBuilder(graph: sg)
        let outs = try sb.apply(CoalesceRows(tableRows: 7), sparse["t"]!.flatMap { [$0.rows, $0.indices] })
        try sb.output("indices", outs[0]); try sb.output("rows", outs[1]); try sb.output("count", outs[2])
        let (dg, dgrads) = try Autodiff.parameterGradients(of: loss.id, in: forward)
        let db = GraphBuilder(graph: dg)
        try db.output("g", dg.value(dgrads["t"]!))

        let store = ParameterStore()
        try store.initialize(forward, seed: 2)
        let s = try Executor(graph: try sb.finish(), options: ExecutionOptions(poisonArena: true)).run(inputs: [:], store: store)
        let denseGrad = try Executor(graph: try db.finish()).run(inputs: [:], store: store)["g"]!.floats
        let count = Int(s["count"]!.ints[0])
        #expect(count == 6)
        #expect(Array(s["indices"]!.ints.prefix(count)) == [0, 1, 2, 3, 5, 6])   // ascending, row 4 untouched
        #expect(s["rows"]!.floats.suffix(from: count * 5).allSatisfy { $0 == 0 })   // unused slots are zero
        var analytic = [Float](repeating: 0, count: 35)
        for k in 0..<count { for j in 0..<5 { analytic[Int(s["indices"]!.ints[k]) * 5 + j] = s["rows"]!.floats[k * 5 + j] } }
        #expect(zip(analytic, denseGrad).allSatisfy { $0.bitPattern == $1.bitPattern })

        let base = store.tensors["t"]!.floats
        let lossOnly = try Executor(graph: forward)
        func lossAt(_ values: [Float]) throws -> Double {
            store.tensors["t"] = try Tensor(shape: [7, 5], floats: values)
            return Double(try lossOnly.run(inputs: [:], store: store)["loss"]!.floats[0])
        }
        let h: Float = 1e-2
        for e in 0..<35 {
            var plus = base, minus = base
            plus[e] += h; minus[e] -= h
            let numeric = Float((try lossAt(plus) - lossAt(minus)) / Double(2 * h))
            #expect(abs(analytic[e] - numeric) <= 2e-3 + 2e-2 * abs(numeric), "element \(e): \(analytic[e]) vs \(numeric)")
        }
    }

    @Test func gatherOnlyTablesGoSparseAndPlainSGDMatchesDenseBitForBit() throws {
        let sgd = TrainingConfig(optimizer: .sgd(), schedule: .constant(0.3))
        let (sparse, sg) = try trainEmbedding(sgd, steps: 4)
        var denseConfig = sgd
        denseConfig.sparseEmbeddings = false
        let (dense, dg) = try trainEmbedding(denseConfig, steps: 4)
        #expect(ops(sg).isSuperset(of: ["coalesce_rows", "sparse_sgd_update"]) && !ops(sg).contains("scatter_add"))
        #expect(sg.nodes.filter { $0.op is SparseSGDUpdate }.count == 2)   // both tables; the head is dense
        #expect(!ops(dg).contains("coalesce_rows") && ops(dg).contains("scatter_add"))
        #expect(sparse.bitwiseEqual(dense))
        #expect(sparse.step == 4)
    }

    @Test func tiedTableStaysDense() throws {
        let (_, g) = try trainEmbedding(TrainingConfig(optimizer: .adam(), schedule: .constant(0.01)), steps: 1, tied: true)
        let updated = { (op: String) in Set(g.nodes.filter { $0.opName == op }.map(\.name)) }
        #expect(updated("sparse_adam_update") == ["optimizer.users.update"])
        #expect(updated("adam_update") == ["optimizer.items.update", "optimizer.head.weight.update"])
    }

    /// Lazy Adam / AdamW against a plain implementation: dense gradients from the dense graph,
    /// the textbook update on every element of dense parameters and on the looked-up rows of the
    /// tables only, bias correction by the global step.
    @Test(arguments: [OptimizerKind.adam(weightDecay: 0.01), .adamw(weightDecay: 0.05)])
    func lazyAdamMatchesAPlainReference(_ optimizer: OptimizerKind) throws {
        let lr: Float = 0.05, steps = 4
        let (trained, _) = try trainEmbedding(TrainingConfig(optimizer: optimizer, schedule: .constant(lr)), steps: steps)

        let (fwd, loss) = try embeddingModel()
        let (gg, grads) = try Autodiff.parameterGradients(of: loss, in: fwd)
        let b = GraphBuilder(graph: gg)
        for (name, v) in grads { try b.output("g.\(name)", gg.value(v)) }
        let gradExec = try Executor(graph: try b.finish())
        let init0 = ParameterStore()
        try init0.initialize(try TrainingGraph.build(fwd, loss: loss, config: TrainingConfig(optimizer: optimizer, schedule: .constant(lr))), seed: 11)
        var p: [String: [Float]] = [:], m: [String: [Float]] = [:], v: [String: [Float]] = [:]
        for name in grads.keys { p[name] = init0.tensors[name]!.floats; m[name] = p[name]!.map { _ in 0 }; v[name] = m[name] }
        let (b1, b2, eps, wd, decoupled): (Float, Float, Float, Float, Bool) = {
            switch optimizer {
            case .adam(let b1, let b2, let e, let wd): return (b1, b2, e, wd, false)
            case .adamw(let b1, let b2, let e, let wd): return (b1, b2, e, wd, true)
            default: fatalError("not an Adam case")
            }
        }()
        let store = ParameterStore()
        for step in 1...steps {
            let batch = try embeddingBatch(n: 24, seed: UInt64(step - 1))
            for (name, x) in p { store.tensors[name] = try Tensor(shape: init0.tensors[name]!.shape, floats: x) }
            let out = try gradExec.run(inputs: batch, store: store)
            let touched: [String: Set<Int>] = ["users": Set(batch["user"]!.ints.map(Int.init)),
                                               "items": Set((batch["item"]!.ints + batch["prev"]!.ints).map(Int.init))]
            let bc1 = 1 - Float(pow(Double(b1), Double(step))), bc2 = 1 - Float(pow(Double(b2), Double(step)))
            for name in grads.keys {
                let g = out["g.\(name)"]!.floats, d = init0.tensors[name]!.shape.dropFirst().reduce(1, *)
                let rows = touched[name].map { Array($0) } ?? Array(0..<(g.count / d))
                for r in rows {
                    for i in (r * d)..<((r + 1) * d) {
                        let old = p[name]![i]
                        let gi = g[i] + (decoupled ? 0 : wd * old)
                        m[name]![i] = b1 * m[name]![i] + (1 - b1) * gi
                        v[name]![i] = b2 * v[name]![i] + (1 - b2) * gi * gi
                        let decayed = decoupled ? old * (1 - lr * wd) : old
                        p[name]![i] = decayed - lr / bc1 * m[name]![i] / (v[name]![i].squareRoot() / bc2.squareRoot() + eps)
                    }
                }
            }
        }
        for name in grads.keys {
            for (what, want) in [("", p[name]!), (".adam_m", m[name]!), (".adam_v", v[name]!)] {
                let got = trained.tensors[name + what]!.floats
                for i in got.indices {
                    // Untouched rows never move: equal bits (a zero moment stays zero).
                    #expect(abs(got[i] - want[i]) <= 1e-5 * (1 + abs(want[i])), "\(name)\(what)[\(i)]: \(got[i]) vs \(want[i])")
                }
            }
        }
        // Rows no batch looked up kept their initial values exactly.
        let seen = Set((0..<steps).flatMap { s in (try? embeddingBatch(n: 24, seed: UInt64(s)))!["user"]!.ints.map(Int.init) })
        let initial = init0.tensors["users"]!.floats, final = trained.tensors["users"]!.floats
        for r in 0..<50 where !seen.contains(r) {
            #expect(Array(final[(r * 8)..<(r * 8 + 8)]) == Array(initial[(r * 8)..<(r * 8 + 8)]))
            #expect(trained.tensors["users.adam_m"]!.floats[(r * 8)..<(r * 8 + 8)].allSatisfy { $0 == 0 })
        }
    }

    /// Global-norm clipping over sparse and dense gradients together: the same clipped step as
    /// the dense path (up to the order of the norm's sum), and clipping really active.
    @Test func clippingCountsSparseRows() throws {
        let clipped = TrainingConfig(optimizer: .sgd(), schedule: .constant(0.5), clipNorm: 0.05)
        var denseConfig = clipped
        denseConfig.sparseEmbeddings = false
        let (sparse, sg) = try trainEmbedding(clipped, steps: 3)
        let (dense, _) = try trainEmbedding(denseConfig, steps: 3)
        let (unclipped, _) = try trainEmbedding(TrainingConfig(optimizer: .sgd(), schedule: .constant(0.5)), steps: 3)
        #expect(sg.nodes.contains { $0.op is GlobalNormScale && $0.inputs.count == 3 })
        for (name, t) in dense.tensors {
            let a = sparse.tensors[name]!.floats, b = t.floats
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 * (1 + abs($1)) }, "\(name)")
        }
        #expect(!sparse.tensors["users"]!.bitwiseEqual(unclipped.tensors["users"]!))
    }

    /// Large enough that coalescing and the row updates split across threads.
    @Test func oneAndTwoThreadsGiveIdenticalBytes() throws {
        for optimizer in [OptimizerKind.adamw(), .sgd(momentum: 0.9, weightDecay: 1e-3)] {
            let config = TrainingConfig(optimizer: optimizer, schedule: .constant(0.01), clipNorm: 1)
            let (a, _) = try trainEmbedding(config, steps: 3, d: 64, users: 3000, items: 3000, batch: 600,
                                            options: ExecutionOptions(pool: ThreadPool(threads: 1)))
            let (b, _) = try trainEmbedding(config, steps: 3, d: 64, users: 3000, items: 3000, batch: 600,
                                            options: ExecutionOptions(pool: ThreadPool(threads: 2), poisonArena: true))
            #expect(a.bitwiseEqual(b))
        }
    }

    @Test func plannedRunMatchesNaiveRunBitForBit() throws {
        let config = TrainingConfig(optimizer: .sgd(momentum: 0.9, nesterov: true, weightDecay: 1e-3), schedule: .constant(0.1), clipNorm: 1)
        let (a, _) = try trainEmbedding(config, steps: 3, options: ExecutionOptions(memory: .planned, poisonArena: true))
        let (b, _) = try trainEmbedding(config, steps: 3, options: ExecutionOptions(memory: .naive))
        #expect(a.bitwiseEqual(b))
    }

    /// A step's memory does not grow with the table: no table-sized gradient buffer, and every
    /// table and moment is updated in place.
    @Test func memoryIsProportionalToTheBatchNotTheTable() throws {
        let (fwd, loss) = try embeddingModel(users: 100_000, items: 40, d: 16)
        for sparse in [true, false] {
            let g = try Passes.fuse(try TrainingGraph.build(fwd, loss: loss, config: TrainingConfig(optimizer: .adam(), schedule: .constant(1e-3),
                                                                                                     clipNorm: 5, sparseEmbeddings: sparse)))
            let plan = try Executor(graph: g).plan(["N": 32])
            let tableBytes = 100_000 * 16 * 4
            #expect((plan.arenaBytes < tableBytes / 100) == sparse, "arena \(plan.arenaBytes) bytes")
            #expect(plan.memory.inPlaceAssignments.count == g.assignments.count)
        }
    }

    @Test func outOfRangeIdIsAnErrorNamingIt() throws {
        let config = TrainingConfig(optimizer: .sgd(), schedule: .constant(0.1))
        let (fwd, loss) = try embeddingModel()
        let exec = try Executor(graph: try TrainingGraph.build(fwd, loss: loss, config: config))
        let store = ParameterStore()
        try store.initialize(exec.graph, seed: 1)
        var batch = try embeddingBatch(n: 4, seed: 1)
        batch["prev"] = try Tensor(shape: [4, 2], ints: [1, 2, 3, 40, 5, 6, 7, 8])
        let e = #expect(throws: GraphError.self) { try exec.run(inputs: batch, store: store) }
        #expect(e?.message.contains("index 40 at position 3 is out of range for 40 rows") == true)
        // The coalescing kernel checks too (a graph read from IR text need not gather first).
        let rows = [Float](repeating: 1, count: 6), idx: [Int32] = [0, 2, 9]
        let outIdx = UnsafeMutablePointer<Int32>.allocate(capacity: 3), outRows = UnsafeMutablePointer<Float>.allocate(capacity: 6)
        defer { outIdx.deallocate(); outRows.deallocate() }
        let k = #expect(throws: TensorError.self) {
            try rows.withUnsafeBufferPointer { r in
                try idx.withUnsafeBufferPointer { i in
                    try SparseRows.coalesce([SparseRows.Piece(rows: r.baseAddress!, indices: i.baseAddress!, count: 3)], d: 2, tableRows: 9,
                                            outIndices: outIdx, outRows: outRows)
                }
            }
        }
        #expect(k?.op == "coalesce_rows" && k?.message.contains("index 9 at position 2") == true)
    }

    @Test func sparseUpdateRejectsBadCountsAndShapes() throws {
        let op = SparseSGDUpdate(SGDUpdate(schedule: .constant(0.1), momentum: 0, nesterov: false, weightDecay: 0, scaled: false))
        #expect(throws: GraphError.self) { try op.inferTypes([.f32([5, 3]), TensorType(.int32, [4]), .f32([4, 2]), TensorType(.int32, [])]) }
        #expect(throws: GraphError.self) { try CoalesceRows(tableRows: 5).inferTypes([.f32([4, 3])]) }
        let types = try op.inferTypes([.f32([5, 3]), TensorType(.int32, [4]), .f32([4, 3]), TensorType(.int32, [])])
        #expect(types == [.f32([5, 3])])
        // A count past the capacity (only possible in hand-written IR) is refused before any write.
        let idx: [Int32] = [0, 1]
        let e = #expect(throws: TensorError.self) {
            try idx.withUnsafeBufferPointer { try SparseRows.validate(count: 3, capacity: 2, $0.baseAddress!, tableRows: 5, op: "sparse_sgd_update") }
        }
        #expect(e?.message.contains("row count 3 is outside 0…2") == true)
    }
}

#if canImport(Glibc)
import Glibc
#endif
