// Binding a graph's parameters to the models that own them. A plain model's graph runs against
// its own store directly; a composite graph (objective, fused model) names parameters
// `m<id>/<name>` and runs against a store gathered from the owners — tensors are shared
// copy-on-write, so gathering copies nothing until a run writes, and `writeBack` returns the
// updated weights and running statistics to their owners.

import DCLCompiler
import DCLDiagnostics
import DCLGraph
import DCLTensor

struct BoundStore {
    let store: ParameterStore
    /// Graph parameter name → (owning store, name there), for routed names.
    let owners: [String: (ParameterStore, String)]

    /// Binds every parameter of `graph`: routed names to their instance's store, the rest to
    /// `home` (the model whose graph it is).
    init(graph: Graph, home: ModelInstance?, span: SourceSpan) throws {
        var routed: [String: (ParameterStore, String)] = [:]
        var plain = false
        for p in graph.parameters {
            if let (id, local) = ModelRegistry.route(p.name) {
                guard let m = ModelRegistry.model(id: id) else {
                    throw RuntimeError(RuntimeCode.type, "parameter `\(p.name)` belongs to a model that no longer exists", at: span)
                }
                routed[p.name] = (m.weights, local)
            } else {
                plain = true
            }
        }
        if routed.isEmpty, let h = home {
            store = h.weights
            owners = [:]
            return
        }
        let s = ParameterStore()
        if plain, let h = home {
            for p in graph.parameters where ModelRegistry.route(p.name) == nil {
                if let t = h.weights.tensors[p.name] { s.tensors[p.name] = t; routed[p.name] = (h.weights, p.name) }
            }
        }
        for (name, (owner, local)) in routed {
            guard let t = owner.tensors[local] else {
                throw RuntimeError(RuntimeCode.type, "model weights are missing `\(local)` (made in check mode?)", at: span)
            }
            s.tensors[name] = t
        }
        store = s
        owners = routed
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
    let model: ModelInstance

    init(_ m: ModelInstance, threads pool: ThreadPool) throws {
        model = m
        let g = try Passes.fuse(try m.forward(training: false))
        executor = try Executor(graph: g, options: ExecutionOptions(pool: pool))
    }

    static func `for`(_ m: ModelInstance, pool: ThreadPool) throws -> InferenceRunner {
        if let r = m.runtimeCache["infer"] as? InferenceRunner { return r }
        let r = try InferenceRunner(m, threads: pool)
        m.runtimeCache["infer"] = r
        return r
    }

    /// Outputs of the model for one batch of named input columns.
    func run(_ columns: [String: Tensor], span: SourceSpan) throws -> Tensor {
        var inputs: [String: Tensor] = [:]
        for i in model.inputs {
            guard let t = columns[i.name] else {
                throw RuntimeError(RuntimeCode.data, "`\(model.name)` needs an input column `\(i.name)`, the data has \(columns.keys.sorted().map { "`\($0)`" }.joined(separator: ", "))",
                                   at: span)
            }
            guard Array(t.shape.dropFirst()) == i.shape, t.dtype == i.dtype else {
                throw RuntimeError(RuntimeCode.shape, "`\(model.name)` expects \(i.name): \(i.dtype.rawValue)\(formatShape(i.shape)) per sample, the data has \(t.dtype.rawValue)\(formatShape(Array(t.shape.dropFirst())))",
                                   at: span)
            }
            inputs[i.name] = t
        }
        let bound = try BoundStore(graph: executor.graph, home: model, span: span)
        do {
            return try executor.run(inputs: inputs, store: bound.store)[ForwardGraph.output]!
        } catch let e as GraphError {
            throw RuntimeError(RuntimeCode.shape, "\(e.op): \(e.message)", at: span)
        }
    }
}
