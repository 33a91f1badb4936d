// `save BUNDLE to "w.safetensors"` and `load BUNDLE from "w.safetensors"`: every model of a
// bundle in one safetensors file, keyed `MODEL/PARAM` with the names the bundle uses (see
// BundlePlan). `dcl compile --weights w.safetensors` reads the same layout, which is how
// trained weights reach a bundle compiled from a script that does not train.

import DCLCompiler
import DCLDiagnostics
import DCLGraph
import DCLTensor

enum BundleCheckpoint {
    static func save(_ bundle: BundleValue, to path: String, evaluator: Evaluator, span: SourceSpan) throws {
        let plan = try BundlePlan.make(bundle, evaluator: evaluator)
        do {
            try ParameterStore(tensors: plan.checkpointTensors).save(path: path, metadata: ["dcl.bundle": bundle.name])
        } catch {
            throw RuntimeError(RuntimeCode.io, "cannot save bundle `\(bundle.name)` to `\(path)`: \(error)", at: span)
        }
    }

    static func load(_ bundle: BundleValue, from path: String, evaluator: Evaluator, span: SourceSpan) throws {
        let store: ParameterStore
        do { store = try ParameterStore.load(path: path) } catch {
            throw RuntimeError(RuntimeCode.io, "cannot load `\(path)`: \(error)", at: span)
        }
        try BundlePlan.make(bundle, evaluator: evaluator).load(store.tensors, path: path, span: span)
    }
}
