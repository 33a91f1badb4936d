// Weights on disk: safetensors (written atomically by the engine's writer), one entry per
// parameter. A composite model (a split's fused model) stores each part under `part/…`.

import DCLCompiler
import DCLDiagnostics
import DCLGraph
import DCLTensor

enum Checkpoint {
    /// The tensors of a model, keyed as they are saved.
    static func tensors(of m: ModelInstance) -> [String: Tensor] {
        if !m.isComposite { return m.weights.tensors }
        var out: [String: Tensor] = [:]
        for (i, p) in m.parts.enumerated() {
            for (k, t) in tensors(of: p) { out["part\(i)/\(k)"] = t }
        }
        return out
    }

    static func save(_ m: ModelInstance, to path: String, span: SourceSpan) throws {
        let store = ParameterStore(tensors: tensors(of: m))
        do {
            try store.save(path: path, metadata: ["dcl.model": m.name])
        } catch {
            throw RuntimeError(RuntimeCode.io, "cannot save `\(m.name)` to `\(path)`: \(error)", at: span)
        }
    }

    static func load(_ m: ModelInstance, from path: String, span: SourceSpan) throws {
        let store: ParameterStore
        do { store = try ParameterStore.load(path: path) } catch {
            throw RuntimeError(RuntimeCode.io, "cannot load `\(path)`: \(error)", at: span)
        }
        try assign(store.tensors, to: m, path: path, span: span)
    }

    static func assign(_ loaded: [String: Tensor], to m: ModelInstance, path: String, span: SourceSpan) throws {
        if m.isComposite {
            for (i, p) in m.parts.enumerated() {
                let prefix = "part\(i)/"
                var sub: [String: Tensor] = [:]
                for (k, t) in loaded where k.hasPrefix(prefix) { sub[String(k.dropFirst(prefix.count))] = t }
                try assign(sub, to: p, path: path, span: span)
            }
            return
        }
        let expected = m.weights.tensors
        for (name, t) in expected {
            guard let l = loaded[name] else {
                throw RuntimeError(RuntimeCode.io, "`\(path)` has no tensor `\(name)` for `\(m.name)`", at: span)
            }
            guard l.shape == t.shape, l.dtype == t.dtype else {
                throw RuntimeError(RuntimeCode.io, "`\(path)`: `\(name)` is \(l.dtype.rawValue)\(formatShape(l.shape)), `\(m.name)` needs \(t.dtype.rawValue)\(formatShape(t.shape))",
                                   at: span)
            }
        }
        if let extra = loaded.keys.first(where: { expected[$0] == nil }) {
            throw RuntimeError(RuntimeCode.io, "`\(path)` has a tensor `\(extra)` that `\(m.name)` does not", at: span)
        }
        for name in expected.keys { m.weights.tensors[name] = loaded[name]! }
    }

    /// Fresh initial weights drawn from `seed`.
    static func reinitialize(_ m: ModelInstance, seed: UInt64, span: SourceSpan) throws {
        for s in m.isComposite ? m.parts : [m] {
            if s.isComposite { try reinitialize(s, seed: seed, span: span); continue }
            try s.weights.initialize(try s.forward(training: false), seed: seed, overwrite: true)
        }
    }
}

enum Summary {
    /// The per-layer table of `dcl summary` / `summary(m)`.
    static func table(_ m: ModelInstance, batch: Int, span: SourceSpan) throws -> String {
        let r: CostReport
        do { r = try m.cost(batch: batch) } catch let e as GraphError { throw RuntimeError(RuntimeCode.shape, e.message, at: span) }
        return "model \(m.name): inputs \(m.inputDescription) → \(m.outputDescription), batch \(batch)\n" + r.table
            + "\n(FLOPs count a multiply-add as 2)"
    }
}
