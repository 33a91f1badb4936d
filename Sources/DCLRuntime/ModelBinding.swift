// Binding a graph's parameters to the models that own them. A plain model's graph runs against
// its own store directly; a composite graph (objective, fused model) runs against a store
// gathered from the owners its `ParameterOwners` names, found in the session's `ModelTable` —
// tensors are shared copy-on-write, so gathering copies nothing until a run writes, and
// `writeBack` returns the updated weights and running statistics to their owners.

import DCLCompiler
import DCLDiagnostics
import DCLGraph
import DCLTensor

/// Public so that `dcl bench train` (DCLBench) binds the engine-only run as training does.
public struct BoundStore {
    public let store: ParameterStore
    /// Graph parameter name → (owning store, name there), for every parameter gathered into
    /// `store` (none when the graph runs against its home model's store directly).
    let owners: [String: (ParameterStore, String)]

    /// Binds every parameter of `graph`: those `parameterOwners` lists to their owner's store
    /// (looked up in `table`), the rest to `home` (the model whose graph it is).
    public init(graph: Graph, owners parameterOwners: ParameterOwners, table: ModelTable, home: ModelInstance?, span: SourceSpan) throws {
        var gathered: [String: (ParameterStore, String)] = [:]
        var plain = false
        for p in graph.parameters {
            if let ref = parameterOwners[p.name] {
                gathered[p.name] = (try Self.ownerStore(of: ref, shownAs: p.name, table: table, span: span), ref.name)
            } else {
                plain = true
            }
        }
        if gathered.isEmpty, let h = home {
            store = h.weights
            owners = [:]
            return
        }
        let s = ParameterStore()
        if plain, let h = home {
            for p in graph.parameters where parameterOwners[p.name] == nil {
                if let t = h.weights.tensors[p.name] { s.tensors[p.name] = t; gathered[p.name] = (h.weights, p.name) }
            }
        }
        for (name, (owner, local)) in gathered {
            s.tensors[name] = try Self.tensor(local, of: owner, span: span)
        }
        store = s
        owners = gathered
    }

    /// Binds every parameter of a canonical graph to the tensor its reference names.
    init(canonical: CanonicalGraph, table: ModelTable, span: SourceSpan) throws {
        let s = ParameterStore()
        var gathered: [String: (ParameterStore, String)] = [:]
        for (name, ref) in canonical.parameters {
            let owner = try Self.ownerStore(of: ref, shownAs: ref.graphName, table: table, span: span)
            s.tensors[name] = try Self.tensor(ref.name, of: owner, span: span)
            gathered[name] = (owner, ref.name)
        }
        store = s
        owners = gathered
    }

    /// The store of the model `ref` names; `shown` is the parameter's name in messages.
    private static func ownerStore(of ref: ParameterRef, shownAs shown: String, table: ModelTable, span: SourceSpan) throws -> ParameterStore {
        guard let m = table.owner(of: ref) else {
            throw RuntimeError(RuntimeCode.type, "parameter `\(shown)` belongs to a model that no longer exists", at: span)
        }
        return m.weights
    }

    /// The tensor `name` of an owner's store (absent only for models made in check mode).
    private static func tensor(_ name: String, of owner: ParameterStore, span: SourceSpan) throws -> Tensor {
        guard let t = owner.tensors[name] else {
            throw RuntimeError(RuntimeCode.type, "model weights are missing `\(name)` (made in check mode?)", at: span)
        }
        return t
    }

    /// Copies updated tensors back to their owners (weights after training, running statistics).
    func writeBack() {
        for (name, (owner, local)) in owners {
            if let t = store.tensors[name] { owner.tensors[local] = t }
        }
    }
}

/// Inference: the model's forward graph in inference mode, compiled once per model.
final class InferenceRunner {
    let executor: Executor
    /// Unowned: the model owns its runner (`runtimeCache`); a strong reference back kept every
    /// evaluated model — weights, optimiser state, executors — alive until the process ended.
    unowned let model: ModelInstance
    /// Owners of the parameters the model's graph inlined (fusing keeps parameter names).
    let owners: ParameterOwners

    init(_ m: ModelInstance, options: ExecutionOptions) throws {
        model = m
        let forward = try m.ownedForward(training: false)
        owners = forward.owners
        executor = try Executor(graph: try Passes.fuse(forward.graph), options: options)
    }

    static func `for`(_ m: ModelInstance, options: ExecutionOptions) throws -> InferenceRunner {
        if let r = m.runtimeCache["infer"] as? InferenceRunner { return r }
        let r = try InferenceRunner(m, options: options)
        m.runtimeCache["infer"] = r
        return r
    }

    /// Outputs of the model for one batch of named input columns.
    func run(_ columns: [String: Tensor], span: SourceSpan) throws -> Tensor {
        let inputs = try Self.inputs(columns, expected: model.inputs.map { ($0.name, $0.shape, $0.dtype) }, model: model.name, span: span)
        let bound = try BoundStore(graph: executor.graph, owners: owners, table: model.table, home: model, span: span)
        do {
            return try executor.run(inputs: inputs, store: bound.store)[ForwardGraph.output]!
        } catch let e as GraphError {
            throw RuntimeError(RuntimeCode.shape, "\(e.op): \(e.message)", at: span)
        }
    }

    /// The columns a model reads, checked against its inputs (also on a device host, which
    /// knows the model by its inputs only).
    static func inputs(_ columns: [String: Tensor], expected: [(name: String, shape: [Int], dtype: DType)], model: String,
                       span: SourceSpan) throws -> [String: Tensor] {
        var inputs: [String: Tensor] = [:]
        for i in expected {
            guard let t = columns[i.name] else {
                throw RuntimeError(RuntimeCode.data, "`\(model)` needs an input column `\(i.name)`, the data has \(columns.keys.sorted().map { "`\($0)`" }.joined(separator: ", "))",
                                   at: span)
            }
            guard Array(t.shape.dropFirst()) == i.shape, t.dtype == i.dtype else {
                throw RuntimeError(RuntimeCode.shape, "`\(model)` expects \(i.name): \(i.dtype.rawValue)\(formatShape(i.shape)) per sample, the data has \(t.dtype.rawValue)\(formatShape(Array(t.shape.dropFirst())))",
                                   at: span)
            }
            inputs[i.name] = t
        }
        return inputs
    }
}
