// Static memory planning: every node output gets a place in one arena, chosen from the
// liveness of values at concrete shapes (one plan per symbol binding).
//
// 1. Buffers. Each node output starts a buffer, except:
//    * views (`reshape`, `stop_gradient`) share their input's buffer, extending its lifetime;
//    * an output may take over an input's buffer in place (the op lists it as a candidate, the
//      shapes are equal, and the input's buffer has no reader after this node);
//    * an optimiser update whose input is a parameter read last by this node, and whose output
//      is assigned back to that parameter, writes straight into the parameter's storage.
// 2. Lifetimes: a buffer lives from its first definition to the last node that reads any value
//    in it; graph outputs and assigned values live to the end.
// 3. Offsets: buffers sorted by size (largest first) are placed at the lowest 64-byte aligned
//    offset that does not overlap any already-placed buffer with an overlapping lifetime
//    (the "greedy by size" strategy of TFLite's arena planner).
//
// `peakLiveBytes` is the maximum, over nodes, of the bytes of buffers live at that node: the
// lower bound any plan needs; `arenaBytes` is what this plan allocates (≥ peak, ≤ the naive sum).

import DCLTensor

/// How a planned value is stored.
public enum PlannedStorage: Equatable, Sendable {
    /// A graph input, parameter or constant (memory owned elsewhere).
    case external
    /// Bytes `offset ..< offset + bytes` of the arena.
    case arena(offset: Int, bytes: Int)
    /// The same memory as another value (a view, or an in-place output).
    case alias(ValueID)
    /// Written directly into the named parameter's storage (in-place optimiser update).
    case parameter(String)
}

/// The result of memory planning for one binding of the symbols.
public struct MemoryPlan: Sendable {
    public var storage: [ValueID: PlannedStorage] = [:]
    /// Arena size this plan allocates.
    public var arenaBytes = 0
    /// Maximum bytes of activations live at any node (the plan's lower bound).
    public var peakLiveBytes = 0
    /// Sum of the sizes of all node outputs (what allocating each one separately costs).
    public var naiveBytes = 0
    /// Assignments already performed in place by the kernels.
    public var inPlaceAssignments: Set<String> = []

    /// Planning strategy.
    public enum Mode: Sendable {
        /// Reuse by liveness, views, in-place updates.
        case planned
        /// Every node output in its own memory; no views, no in-place writes (the reference).
        case naive
    }

    static let alignment = 64

    /// Plans `graph` with the concrete shape of every value.
    public static func make(_ graph: Graph, shapes: [ValueID: [Int]], mode: Mode) -> MemoryPlan {
        var plan = MemoryPlan()
        let n = graph.nodes.count
        func bytes(_ v: ValueID) -> Int { shapes[v]!.reduce(1, *) * graph.type(of: v).dtype.byteSize }

        // Last reader of every value (n = "until the end").
        var lastUse: [ValueID: Int] = [:]
        for (i, node) in graph.nodes.enumerated() { for v in node.inputs { lastUse[v] = i } }
        for o in graph.outputs { lastUse[o.value] = n }
        for a in graph.assignments { lastUse[a.value] = n }
        // External memory read through views (a reshaped weight) stays live as long as any view.
        var viewRoot: [ValueID: ValueID] = [:]
        var externalLast: [ValueID: Int] = [:]
        if mode == .planned {
            for node in graph.nodes {
                if let j = node.op.viewInput {
                    let src = node.inputs[j]
                    viewRoot[node.outputs[0]] = viewRoot[src] ?? src
                }
            }
            for (v, root) in viewRoot { externalLast[root] = max(externalLast[root] ?? -1, lastUse[v] ?? -1) }
        }
        let assignedTo = Dictionary(graph.assignments.map { ($0.value, $0.parameter) }, uniquingKeysWith: { a, _ in a })

        for x in graph.inputs { plan.storage[x.value] = .external }
        for p in graph.parameters { plan.storage[p.value] = .external }
        for c in graph.constants { plan.storage[c.value] = .external }

        // Buffers: members, first definition.
        var members: [[ValueID]] = []
        var start: [Int] = []
        var bufferOf: [ValueID: Int] = [:]
        func bufferEnd(_ b: Int) -> Int { members[b].map { lastUse[$0] ?? -1 }.max() ?? -1 }

        for (i, node) in graph.nodes.enumerated() {
            var taken = Set<Int>()
            var takenParams = Set<ValueID>()
            for (k, o) in node.outputs.enumerated() {
                plan.naiveBytes += bytes(o)
                if mode == .planned {
                    if k == 0, let j = node.op.viewInput {
                        let src = node.inputs[j]
                        if let b = bufferOf[src] {
                            members[b].append(o); bufferOf[o] = b
                        }
                        plan.storage[o] = .alias(src)
                        continue
                    }
                    var placed = false
                    for j in node.op.inPlaceCandidates(forOutput: k) where j < node.inputs.count {
                        let src = node.inputs[j]
                        guard shapes[src] == shapes[o], graph.type(of: src).dtype == graph.type(of: o).dtype else { continue }
                        if let b = bufferOf[src] {
                            guard !taken.contains(b), bufferEnd(b) == i else { continue }
                            members[b].append(o); bufferOf[o] = b; taken.insert(b)
                            plan.storage[o] = .alias(src)
                            placed = true
                            break
                        }
                        if let name = graph.parameterName(of: src), assignedTo[o] == name, lastUse[src] == i,
                           (externalLast[src] ?? -1) <= i,
                           !takenParams.contains(src) {
                            takenParams.insert(src)
                            plan.storage[o] = .parameter(name)
                            plan.inPlaceAssignments.insert(name)
                            placed = true
                            break
                        }
                    }
                    if placed { continue }
                }
                bufferOf[o] = members.count
                members.append([o])
                start.append(i)
            }
        }

        // Lifetimes and sizes.
        let count = members.count
        let sizes = members.map { bytes($0[0]) }
        // Naive: every buffer lives for the whole run, so nothing shares memory.
        let ends = (0..<count).map { mode == .naive ? n : max(bufferEnd($0), start[$0]) }
        if mode == .naive { for b in 0..<count { start[b] = 0 } }

        // Peak live bytes by sweeping node indices.
        var delta = [Int](repeating: 0, count: n + 2)
        for b in 0..<count {
            delta[start[b]] += sizes[b]
            delta[ends[b] + 1] -= sizes[b]
        }
        var live = 0
        for i in 0...n { live += delta[i]; plan.peakLiveBytes = max(plan.peakLiveBytes, live) }

        // Greedy by size.
        var offsets = [Int](repeating: 0, count: count)
        var placed: [Int] = []
        for b in (0..<count).sorted(by: { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }) {
            let conflicts = placed.filter { p in start[p] <= ends[b] && start[b] <= ends[p] }
                .map { (offsets[$0], offsets[$0] + sizes[$0]) }
                .sorted { $0.0 < $1.0 }
            var off = 0
            for (lo, hi) in conflicts {
                if off + sizes[b] <= lo { break }
                off = max(off, align(hi))
            }
            offsets[b] = off
            placed.append(b)
            plan.arenaBytes = max(plan.arenaBytes, off + sizes[b])
        }
        for b in 0..<count {
            plan.storage[members[b][0]] = .arena(offset: offsets[b], bytes: sizes[b])
        }
        return plan
    }

    static func align(_ x: Int) -> Int { (x + alignment - 1) / alignment * alignment }
}
