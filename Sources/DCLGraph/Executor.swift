// Compiles a graph for a binding of its symbols (e.g. N = 64) into an execution plan — concrete
// shapes, a memory plan, one prepared kernel call per node — caches a few per binding, and runs
// it against a parameter store. A plan holds offsets, not memory: each run borrows its arena from
// the calling thread (RunArena.swift), so memory does not grow with the number of plans.
//
// A run: bind inputs and parameters, call each node's kernel on its planned buffers, copy the
// outputs out of the arena, apply the graph's assignments (those not already done in place) and,
// if the graph updates parameters with an optimiser, advance the store's step.
//
// An `Executor` is not thread-safe: one run at a time (kernels use the thread pool inside).

import DCLTensor
import Foundation

/// Knobs for compiling and running.
public struct ExecutionOptions {
    /// Buffer reuse by liveness (`.planned`) or one buffer per value (`.naive`).
    public var memory: MemoryPlan.Mode = .planned
    /// Thread pool for the kernels.
    public var pool: ThreadPool = .shared
    /// Throw, naming the node, as soon as any float output holds a NaN or infinity.
    public var checkFinite = false
    /// Fill the arena with NaN before each run (tests use it to prove kernels write every element).
    public var poisonArena = false
    /// Time every node's kernel by op (`dcl run --profile`); nil costs one check per node.
    public var profiler: OpProfiler?

    public init(memory: MemoryPlan.Mode = .planned, pool: ThreadPool = .shared, checkFinite: Bool = false, poisonArena: Bool = false,
                profiler: OpProfiler? = nil) {
        self.memory = memory
        self.pool = pool
        self.checkFinite = checkFinite
        self.poisonArena = poisonArena
        self.profiler = profiler
    }
}

/// A graph compiled for one binding of its symbols.
public final class ExecutionPlan {
    public let bindings: [String: Int]
    /// Concrete shape of every value.
    public let shapes: [ValueID: [Int]]
    public let memory: MemoryPlan
    /// Dense index of each value, and where each dense slot's pointer comes from.
    let slot: [ValueID: Int]
    var pointers: [UnsafeMutableRawPointer]
    /// Slots that live in the arena, at their byte offsets from its base.
    let arenaSlots: [(slot: Int, offset: Int)]
    let externalSlots: [(slot: Int, source: ValueSource)]
    let aliasSlots: [(slot: Int, target: Int)]
    /// Slots that are a parameter itself (assigned in place), by index into `graph.parameters`.
    let parameterSlots: [(slot: Int, parameter: Int)]
    /// Parameters (indices into `graph.parameters`) written in place by the run.
    let inPlaceParameters: [Int]
    /// Assignments not done in place: the value copied out into the parameter of that name.
    let copiedAssignments: [(value: ValueID, parameter: String)]
    /// Each parameter's storage for the current run, by index into `graph.parameters`: resolved
    /// from the store once per run (one dictionary lookup per parameter, not one per use).
    var parameterPointers: [UnsafeMutableRawPointer]
    var calls: [KernelIO]
    /// Every node's input slots then output slots, node after node, in one flat array (read per
    /// run without retaining a nested array per node).
    let ioSlots: [Int]

    init(graph: Graph, bindings: [String: Int], options: ExecutionOptions) throws {
        self.bindings = bindings
        var shapes: [ValueID: [Int]] = [:]
        for (v, t) in graph.types {
            let s = try t.shape(bindings)
            guard s.allSatisfy({ $0 >= 0 }) else { throw GraphError(op: "plan", "value \(v) has negative size \(formatShape(s)) under \(bindings)") }
            // Every buffer is sized here, before anything is allocated: one over the tensor cap
            // (a huge batch times a large activation) is an error naming the node, not an abort.
            do { _ = try elementCount(s, op: "plan") } catch let e as TensorError {
                let node = graph.nodes.first { $0.outputs.contains(v) }
                throw GraphError(op: node?.opName ?? "plan", e.message + " (batch \(bindings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")))",
                                 node: node?.name, origin: node?.origin)
            }
            shapes[v] = s
        }
        self.shapes = shapes
        memory = MemoryPlan.make(graph, shapes: shapes, mode: options.memory)
        // The arena holds many buffers, each within the cap; refuse one larger than the machine
        // rather than letting the allocation abort the process.
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        guard memory.arenaBytes <= physical else {
            throw GraphError(op: "plan", "the activations need \(ResourceLimits.describe(bytes: memory.arenaBytes)) at once, more than this machine's memory (\(ResourceLimits.describe(bytes: physical))); use a smaller batch")
        }
        var slot: [ValueID: Int] = [:]
        for v in graph.types.keys.sorted() { slot[v] = slot.count }
        self.slot = slot
        // Every pointer is set at the start of a run; until then they point at a valid dummy.
        pointers = [UnsafeMutableRawPointer](repeating: unboundPointer, count: slot.count)
        var parameterIndex: [String: Int] = [:]
        for (i, p) in graph.parameters.enumerated() { parameterIndex[p.name] = i }
        func index(of name: String) throws -> Int {
            guard let i = parameterIndex[name] else { throw GraphError(op: "plan", "assignment to '\(name)', which is not a parameter of the graph") }
            return i
        }
        var ext: [(Int, ValueSource)] = [], alias: [(Int, Int)] = [], params: [(Int, Int)] = []
        var inArena: [(Int, Int)] = []
        for (v, st) in memory.storage {
            switch st {
            case .external: ext.append((slot[v]!, graph.sources[v]!))
            case .arena(let off, _): inArena.append((slot[v]!, off))
            case .alias: break
            case .parameter(let name): params.append((slot[v]!, try index(of: name)))
            }
        }
        // Aliases in node order, so a view of a view finds its target already resolved.
        for node in graph.nodes {
            for o in node.outputs {
                if case .alias(let t)? = memory.storage[o] { alias.append((slot[o]!, slot[t]!)) }
            }
        }
        arenaSlots = inArena.sorted { $0.0 < $1.0 }
        externalSlots = ext
        aliasSlots = alias
        parameterSlots = params
        inPlaceParameters = try memory.inPlaceAssignments.sorted().map(index(of:))
        let inPlace = memory.inPlaceAssignments
        copiedAssignments = graph.assignments.filter { !inPlace.contains($0.parameter) }.map { ($0.value, $0.parameter) }
        parameterPointers = [UnsafeMutableRawPointer](repeating: unboundPointer, count: graph.parameters.count)
        ioSlots = graph.nodes.flatMap { $0.inputs.map { slot[$0]! } + $0.outputs.map { slot[$0]! } }
        let base = unboundPointer
        calls = graph.nodes.map { node in
            KernelIO(inputs: node.inputs.map { TensorRef(data: base, shape: shapes[$0]!, dtype: graph.type(of: $0).dtype) },
                     outputs: node.outputs.map { TensorRef(data: base, shape: shapes[$0]!, dtype: graph.type(of: $0).dtype) },
                     pool: options.pool, step: 0, bindings: bindings)
        }
    }

    /// Bytes of the arena (planned activations, gradients and temporaries).
    public var arenaBytes: Int { memory.arenaBytes }
}

/// Where a plan's pointers point between runs: 64 valid bytes, never read or written.
private let unboundPointer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)

/// Runs a graph.
public final class Executor {
    public let graph: Graph
    public var options: ExecutionOptions
    /// Compiled plans, most recently used last. Bounded: a plan is metadata only (the arena is
    /// borrowed per run), but an evaluator over many devices meets a new ragged batch size per
    /// device, and nothing may grow with the number of devices.
    private var plans: [(bindings: [String: Int], plan: ExecutionPlan)] = []
    /// Plans kept per executor (a training run uses two: full batches and the last one).
    public static let planCacheSize = 8
    private let updatesParameters: Bool
    /// Each node's kernel, in order (read per run without copying the nodes).
    private let ops: [any Primitive]
    /// The plan the last run without explicit bindings used, and its inputs' shapes.
    private var lastPlan: (inputShapes: [[Int]], plan: ExecutionPlan)?

    public init(graph: Graph, options: ExecutionOptions = ExecutionOptions()) throws {
        try Verifier.verify(graph)
        self.graph = graph
        self.options = options
        ops = graph.nodes.map(\.op)
        updatesParameters = graph.nodes.contains { $0.op is SGDUpdate || $0.op is AdamUpdate || $0.op is SparseSGDUpdate || $0.op is SparseAdamUpdate }
    }

    /// The plan for `bindings`, compiled on first use.
    public func plan(_ bindings: [String: Int]) throws -> ExecutionPlan {
        if let k = plans.lastIndex(where: { $0.bindings == bindings }) {
            let hit = plans.remove(at: k)
            plans.append(hit)
            return hit.plan
        }
        for s in graph.symbols where bindings[s] == nil { throw GraphError(op: "plan", "symbol '\(s)' has no value") }
        let p = try ExecutionPlan(graph: graph, bindings: bindings, options: options)
        if plans.count >= Self.planCacheSize { plans.removeFirst() }
        plans.append((bindings, p))
        return p
    }

    /// Number of plans currently cached (tests).
    public var cachedPlanCount: Int { plans.count }

    /// Symbol values read off the input tensors' shapes.
    public func bindings(for inputs: [String: Tensor]) throws -> [String: Int] {
        var b: [String: Int] = [:]
        for i in graph.inputs {
            guard let t = inputs[i.name] else { throw GraphError(op: "run", "missing input '\(i.name)'") }
            let dims = graph.type(of: i.value).dims
            guard dims.count == t.rank else { throw GraphError(op: "run", "input '\(i.name)' has shape \(formatShape(t.shape)), expected \(formatDims(dims))") }
            for (d, n) in zip(dims, t.shape) {
                if let symbol = d.bareSymbol {
                    if let old = b[symbol], old != n {
                        throw GraphError(op: "run", "input '\(i.name)' binds \(symbol) = \(n), but another input bound it to \(old)")
                    }
                    b[symbol] = n
                }
            }
        }
        return b
    }

    /// Runs the graph once and returns its outputs by name.
    @discardableResult
    public func run(inputs: [String: Tensor], store: ParameterStore, bindings: [String: Int]? = nil) throws -> [String: Tensor] {
        let plan: ExecutionPlan
        if let bindings {
            plan = try self.plan(bindings)
        } else {
            // Consecutive runs on inputs of the same shapes (every full batch) reuse the last
            // plan without rebuilding and hashing a bindings dictionary per step.
            let shapes = graph.inputs.map { inputs[$0.name]?.shape ?? [] }
            if let last = lastPlan, shapes == last.inputShapes {
                plan = last.plan
            } else {
                plan = try self.plan(try self.bindings(for: inputs))
                lastPlan = (shapes, plan)
            }
        }
        // Bind external memory.
        for i in graph.inputs {
            guard let t = inputs[i.name] else { throw GraphError(op: "run", "missing input '\(i.name)'") }
            let want = plan.shapes[i.value]!, type = graph.type(of: i.value)
            guard t.shape == want, t.dtype == type.dtype else {
                throw GraphError(op: "run", "input '\(i.name)' is \(t.dtype.rawValue)\(formatShape(t.shape)), expected \(type.dtype.rawValue)\(formatShape(want))")
            }
        }
        // Parameters written in place must not share storage with anything else (made unique
        // before any pointer is taken; a missing one is reported just below).
        for i in plan.inPlaceParameters { store.tensors[graph.parameters[i].name]?.makeUnique() }
        for (i, p) in graph.parameters.enumerated() {
            guard let t = store.tensors[p.name] else {
                throw GraphError(op: "run", "parameter '\(p.name)' is not in the store (initialize the store from the graph first)")
            }
            guard t.shape == p.shape, t.dtype == p.dtype else {
                throw GraphError(op: "run", "parameter '\(p.name)' is \(t.dtype.rawValue)\(formatShape(t.shape)) in the store, the graph expects \(p.type)")
            }
            // The store keeps the storage alive for the run; nothing replaces it before the
            // assignments at the end.
            plan.parameterPointers[i] = t.storage.bytes
        }
        let out = try RunArena.withBuffer(plan.memory.arenaBytes) { arena -> [String: Tensor] in
            for (s, off) in plan.arenaSlots { plan.pointers[s] = arena + off }
            for (s, src) in plan.externalSlots {
                switch src {
                case .input(let i): plan.pointers[s] = inputs[graph.inputs[i].name]!.storage.bytes
                case .parameter(let i): plan.pointers[s] = plan.parameterPointers[i]
                case .constant(let i): plan.pointers[s] = graph.constants[i].tensor.storage.bytes
                case .node: break
                }
            }
            for (s, i) in plan.parameterSlots { plan.pointers[s] = plan.parameterPointers[i] }
            for (s, t) in plan.aliasSlots { plan.pointers[s] = plan.pointers[t] }
            if options.poisonArena {
                let n = plan.memory.arenaBytes / 4
                arena.assumingMemoryBound(to: Float.self).update(repeating: .nan, count: n)
            }

            let profiler = options.profiler
            let step = store.step, pointers = plan.pointers
            // Through a buffer pointer: each call's arguments are updated and passed in place,
            // without copying (and retaining) a KernelIO per node per run.
            try plan.calls.withUnsafeMutableBufferPointer { calls in
            try plan.ioSlots.withUnsafeBufferPointer { io in
            var next = 0
            for k in 0..<ops.count {
                for j in 0..<calls[k].inputs.count { calls[k].inputs[j].data = pointers[io[next]]; next += 1 }
                for j in 0..<calls[k].outputs.count { calls[k].outputs[j].data = pointers[io[next]]; next += 1 }
                calls[k].step = step
                do {
                    if let p = profiler {
                        let start = OpProfiler.now()
                        defer { p.record(type(of: ops[k]).name, since: start) }
                        try ops[k].execute(calls[k])
                    } else {
                        try ops[k].execute(calls[k])
                    }
                } catch let e as GraphError {
                    let node = graph.nodes[k]
                    throw GraphError(op: e.op, e.message, node: node.name, origin: node.origin)
                } catch let e as TensorError {
                    let node = graph.nodes[k]
                    throw GraphError(op: e.op, e.message, node: node.name, origin: node.origin)
                }
                if options.checkFinite {
                    for o in calls[k].outputs where o.dtype == .float32 {
                        if let i = Elementwise.firstNonFinite(o.f, o.count) {
                            let node = graph.nodes[k]
                            throw GraphError(op: "check_finite", "\(node.opName) produced \(o.f[i]) at flat index \(i) of \(formatShape(o.shape))",
                                             node: node.name, origin: node.origin)
                        }
                    }
                }
            }
            }
            }

            func read(_ v: ValueID) throws -> Tensor {
                let shape = plan.shapes[v]!, dtype = graph.type(of: v).dtype
                let bytes = try elementCount(shape, op: "run") * dtype.byteSize
                let storage = TensorStorage(overwrittenByteCount: bytes)
                storage.bytes.copyMemory(from: plan.pointers[plan.slot[v]!], byteCount: bytes)
                return try Tensor(shape: shape, dtype: dtype, storage: storage)
            }
            var out: [String: Tensor] = [:]
            for o in graph.outputs { out[o.name] = try read(o.value) }
            for (value, parameter) in plan.copiedAssignments { store.tensors[parameter] = try read(value) }
            return out
        }
        if updatesParameters { store.step += 1 }
        return out
    }
}
