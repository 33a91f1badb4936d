// Compiled training graphs shared across the devices of a fleet.
//
// `for d in device { let m = copy(global); train m on d.train … }` lowers the same objective over
// a fresh model copy per device. Without sharing, every iteration differentiates, fuses, verifies
// and plans the same graph again (about 7 % of the CoDA example's time with dense Adam; more once
// updates are sparse). The lowered graph differs between devices only in the ids of the models it
// inlines (`m17/fc.weight` on one device, `m23/fc.weight` on the next), so the cache renames each
// inlined model to its order of appearance (`#0/fc.weight`), keys on the canonical graph's full
// text plus the training recipe, and compiles once. A run binds the device's own tensors to the
// canonical names, so results are those of an uncached compile, bit for bit.
//
// Bounded (least recently used) and per session: like its session, used by one thread at a time.

import DCLCompiler
import DCLDiagnostics
import DCLGraph
import DCLTensor

/// A lowered graph with its inlined models' ids replaced by their order of appearance.
struct CanonicalGraph {
    let graph: Graph
    /// Canonical parameter name → the parameter it stands for in this call.
    let parameters: [String: ParameterRef]
    /// This call's parameter name → canonical name.
    let canonicalNames: [String: String]
    /// `#k` → `m<id>` for messages (node names in errors).
    private let restoreComponents: [String: String]

    /// Nil when a parameter has no owning model (a graph over its home model's own store) or
    /// the renaming is not one-to-one; such graphs are compiled without the cache.
    init?(_ lowered: Graph, owners: ParameterOwners) {
        var rename: [String: String] = [:], restore: [String: String] = [:]
        for (k, id) in owners.inlined.enumerated() {
            rename[String(id.description)] = "#\(k)"
            restore["#\(k)"] = id.description
        }
        func canonical(_ name: String) -> String {
            name.split(separator: "/", omittingEmptySubsequences: false)
                .map { rename[String($0)] ?? String($0) }.joined(separator: "/")
        }
        // The key prints every constant; large ones (none in the patterns) are not worth it.
        guard lowered.constants.reduce(0, { $0 + $1.tensor.count }) <= 1 << 16 else { return nil }
        var refs: [String: ParameterRef] = [:], names: [String: String] = [:]
        for p in lowered.parameters {
            guard let ref = owners[p.name] else { return nil }
            refs[canonical(p.name)] = ref
            names[p.name] = canonical(p.name)
        }
        guard refs.count == lowered.parameters.count,
              let g = lowered.renamed(parameters: canonical, nodes: canonical) else { return nil }
        graph = g
        parameters = refs
        canonicalNames = names
        restoreComponents = restore
    }

    /// A node name of the canonical graph as this call's models name it.
    func restore(_ name: String) -> String {
        name.split(separator: "/", omittingEmptySubsequences: false)
            .map { restoreComponents[String($0)] ?? String($0) }.joined(separator: "/")
    }

    /// The error with its node named as in this call.
    func restore(_ e: GraphError) -> GraphError {
        GraphError(op: e.op, e.message, node: e.node.map(restore), origin: e.origin)
    }
}

/// A training graph compiled once, run by any call whose canonical graph and recipe match.
final class CompiledTraining {
    let graph: Graph
    let executor: Executor
    init(graph: Graph, executor: Executor) {
        self.graph = graph
        self.executor = executor
    }
}

final class CompiledGraphCache {
    /// Entries kept: a script's distinct training statements alive at once (a fleet loop has a
    /// handful); beyond that the least recently used is compiled again when next needed.
    static let capacity = 16
    private var entries: [(key: String, value: CompiledTraining)] = []
    /// Compiles done and reused (tests and `--profile`).
    private(set) var misses = 0, hits = 0
    /// Off: every call compiles (tests compare the two).
    var enabled = true

    /// The compiled training graph for `canonical` with `trainable` parameters (canonical names)
    /// and `config`; `compile` builds it on a miss.
    func training(_ canonical: CanonicalGraph, trainable: [String], config: TrainingConfig,
                  compile: () throws -> CompiledTraining) throws -> CompiledTraining {
        guard enabled else { return try compile() }
        // The text is the whole graph; the recipe and the trainable set complete the key.
        let key = "\(config)\n\(trainable.joined(separator: "\n"))\n" + GraphPrinter.print(canonical.graph)
        if let k = entries.lastIndex(where: { $0.key == key }) {
            let hit = entries.remove(at: k)
            entries.append(hit)
            hits += 1
            return hit.value
        }
        let compiled = try compile()
        misses += 1
        if entries.count >= Self.capacity { entries.removeFirst() }
        entries.append((key, compiled))
        return compiled
    }
}
