// One session's models, and who owns the parameters of the graphs they make.
//
// Every model instance is made in one session (an evaluator, or a REPL and the check-mode
// evaluators it derives) and registered in that session's `ModelTable`, which numbers instances
// in creation order — the same script gives the same ids, names and bytes in every session, and
// two sessions in one process (REPL, tests, a service) never see each other's models.
//
// A model used inside another graph (a layer of another model, a fused model's part, an
// objective's model) is copied in; its parameters stay its own. The copy names each one
// `ParameterRef.graphName` (`m3/features.linear_1.weight`, unique in the graph) and records the
// typed reference in the graph's `ParameterOwners`, which is what bindings, training and bundle
// export read: nothing splits a name apart again.

import DCLGraph

/// A model instance's identity within its session's `ModelTable` (1, 2, … in creation order).
public struct ModelID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let raw: Int
    public init(_ raw: Int) { self.raw = raw }
    public static func < (a: ModelID, b: ModelID) -> Bool { a.raw < b.raw }
    public var description: String { "m\(raw)" }
    /// What the names of its parameters and nodes start with once another graph inlines it.
    public var scopePrefix: String { "m\(raw)/" }
}

/// A parameter as owned: the model whose weight store holds it, and its name there.
public struct ParameterRef: Hashable, Sendable {
    public let owner: ModelID
    public let name: String
    public init(owner: ModelID, name: String) {
        self.owner = owner
        self.name = name
    }
    /// Its name in a graph that inlines the owner. Graphs, the executor's stores and bundle
    /// export key parameters by string; this is the one place that string is made.
    public var graphName: String { owner.scopePrefix + name }
}

/// Which model owns each parameter a graph inlined from another model, by the parameter's name
/// in the graph; parameters not listed are the graph's own model's. Also every model inlined,
/// directly or through another, whose node names carry its `scopePrefix`.
public struct ParameterOwners {
    private var refs: [String: ParameterRef] = [:]
    public private(set) var inlined: [ModelID] = []

    public init() {}

    /// The owner of the graph parameter called `graphName`, if another model owns it.
    public subscript(graphName: String) -> ParameterRef? { refs[graphName] }

    /// Records an inlined parameter; returns its name in the graph.
    mutating func add(_ ref: ParameterRef) -> String {
        let name = ref.graphName
        refs[name] = ref
        return name
    }

    /// Records that `id` was inlined, with the models its own graph had inlined.
    mutating func noteInlined(_ id: ModelID, with nested: [ModelID]) {
        for m in [id] + nested where !inlined.contains(m) { inlined.append(m) }
    }
}

/// A graph and the owners of the parameters it inlined.
public struct OwnedGraph {
    public var graph: Graph
    public var owners: ParameterOwners
    public init(graph: Graph, owners: ParameterOwners = ParameterOwners()) {
        self.graph = graph
        self.owners = owners
    }
}

/// A session's model instances by id. The session's elaborator owns it (a REPL's check-mode
/// evaluators share their session's); each instance refers to the table it was made in, and
/// the table holds instances weakly, so dropping a model frees it. Like its session, a table is
/// used by one thread at a time.
public final class ModelTable {
    private var lastID = 0
    private var instances: [ModelID: WeakModel] = [:]
    /// Entry count after the last sweep of freed models' entries.
    private var sweptCount = 0

    private struct WeakModel { weak var model: ModelInstance? }

    public init() {}

    /// The next id, for an instance about to be made (`ModelInstance.init`).
    func allocateID() -> ModelID {
        lastID += 1
        return ModelID(lastID)
    }

    func register(_ m: ModelInstance) {
        instances[m.id] = WeakModel(model: m)
        // A fleet makes models per device and drops them; their entries are swept whenever the
        // table has doubled since the last sweep, so it stays proportional to the live models.
        if instances.count >= max(64, 2 * sweptCount) {
            instances = instances.filter { $0.value.model != nil }
            sweptCount = instances.count
        }
    }

    /// Number of instances still alive (models are freed when the script drops them).
    public var liveCount: Int { instances.values.filter { $0.model != nil }.count }

    /// The instance with this id, if it still exists.
    public func model(_ id: ModelID) -> ModelInstance? { instances[id]?.model }

    /// The model that owns a parameter, if it still exists.
    public func owner(of ref: ParameterRef) -> ModelInstance? { model(ref.owner) }
}
