// `copy`, `average` and `assign`: moving weights between same-shaped models (DC-CCL's
// device/cloud copies of the co-submodel and their FedAvg).

import DCLCompiler
import DCLDiagnostics
import DCLTensor

enum WeightOps {
    /// A new instance with the same structure and a copy of the weights.
    static func copy(_ m: ModelInstance, evaluator: Evaluator, span: SourceSpan) throws -> ModelInstance {
        try evaluator.elaborator.copyModel(m, span: span)
    }

    /// FedAvg: the weighted mean of every stored tensor (weights and running statistics) of
    /// same-shaped models; the result is a new instance shaped like the first.
    static func average(_ ms: [ModelInstance], weights w: [Double]?, evaluator: Evaluator, span: SourceSpan) throws -> ModelInstance {
        guard let first = ms.first else { throw RuntimeError(RuntimeCode.value, "`average` of no models", at: span) }
        let ws = w ?? [Double](repeating: 1 / Double(ms.count), count: ms.count)
        guard ws.count == ms.count else {
            throw RuntimeError(RuntimeCode.value, "`average` got \(ms.count) models but \(ws.count) weights", at: span)
        }
        guard ws.allSatisfy({ $0 >= 0 }), abs(ws.reduce(0, +) - 1) < 1e-6 else {
            throw RuntimeError(RuntimeCode.value, "averaging weights must be non-negative and sum to 1, found \(ws)", at: span)
        }
        let stores = ms.map { $0.ownedStores() }
        for (m, s) in zip(ms.dropFirst(), stores.dropFirst()) {
            guard s.count == stores[0].count else {
                throw RuntimeError(RuntimeCode.shape, "`\(first.name)` and `\(m.name)` are not the same kind of model", at: span)
            }
            for (a, b) in zip(stores[0], s) { try checkSameShapes(a, b, first.name, m.name, span: span) }
        }
        let out = try copy(first, evaluator: evaluator, span: span)
        let outStores = out.ownedStores()
        for (si, outStore) in outStores.enumerated() {
            for (name, t0) in stores[0][si].tensors {
                var acc = try Tensor(zeros: t0.shape, dtype: .float32)
                if t0.dtype != .float32 { outStore.tensors[name] = t0; continue }
                acc.withMutableFloats { a in
                    for (k, s) in stores.enumerated() {
                        let wk = Float(ws[k])
                        s[si].tensors[name]!.withFloats { x in for i in 0..<a.count { a[i] += wk * x[i] } }
                    }
                }
                outStore.tensors[name] = acc
            }
        }
        return out
    }

    /// Copies `source`'s weights into `target` (same structure).
    static func assign(_ target: ModelInstance, from source: ModelInstance, span: SourceSpan) throws {
        let t = target.ownedStores(), s = source.ownedStores()
        guard t.count == s.count else {
            throw RuntimeError(RuntimeCode.shape, "`\(target.name)` and `\(source.name)` are not the same kind of model", at: span)
        }
        for (a, b) in zip(t, s) {
            try checkSameShapes(a, b, target.name, source.name, span: span)
            a.tensors = b.tensors
        }
    }

    static func checkSameShapes(_ a: WeightStore, _ b: WeightStore, _ an: String, _ bn: String, span: SourceSpan) throws {
        guard Set(a.tensors.keys) == Set(b.tensors.keys) else {
            let only = Set(a.tensors.keys).symmetricDifference(b.tensors.keys).sorted().prefix(3)
            throw RuntimeError(RuntimeCode.shape, "`\(an)` and `\(bn)` have different parameters (e.g. \(only.map { "`\($0)`" }.joined(separator: ", ")))",
                               at: span)
        }
        for (k, t) in a.tensors where b.tensors[k]!.shape != t.shape {
            throw RuntimeError(RuntimeCode.shape, "parameter `\(k)` is \(formatShape(t.shape)) in `\(an)` but \(formatShape(b.tensors[k]!.shape)) in `\(bn)`",
                               at: span)
        }
    }
}
