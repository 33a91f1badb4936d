// What a `bundle` declaration ships: each entry of `models:` (and a cloud bundle's `index:`)
// expanded into named, standalone models with their weights, following the patterns.
//
//   entry                     cloud bundle                               device bundle
//   a model `m`               `m`                                        `m` (refused if cloud-only)
//   a split `s`               `s.cloud`, `s.device`, `s` (fused serving)  refused: holds the cloud half
//   a distillation `d`        `d` (the student)                          `d` (the student)
//   a plug-in `p`             `p.features` (backbone up to the attach point), `p.head` (the
//                             plug-in, features → logits), `p.fallback` (the backbone's own
//                             head, for the cold start); its memory ships empty, sized in the
//                             manifest
//   a retrieval `r`           refused (use `index:`)                     `r.classifier` (the fine
//                             sample classifier, seeded initial weights — it trains on the
//                             device), `r.item_features` (item embeddings it reads)
//   `index: r`                `r.index`: the user-embedding table and the pool's user ids,
//                             scoring a user against the pool (top-k)
//
// Models are named by their expression in the script (`base.device`, `control`). The plan is
// shared by `dcl compile`, `dcl run --bundles` and `save BUNDLE to …` (checkpoints keyed
// `MODEL/PARAM`), so all three name weights identically. `dcl check` plans the same way with
// `.graphs` contents: every rule above is applied and every graph built, but no weight is read
// (check mode creates none — a model may be far larger than memory), and a bundle that needs
// data check mode does not load stops with `BundlePlan.NeedsData`.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLGraph
import DCLTensor

/// One model as a bundle ships it.
public struct PlannedModel {
    public let name: String
    /// The standalone execution graph (inputs [N, …], one or more named outputs).
    public let graph: Graph
    /// One tensor per graph parameter; empty when planned with `.graphs` contents.
    public var weights: [String: Tensor]
    /// The batch costs are measured at: 1, or a plug-in head's tokens per prediction.
    public let measureBatch: Int
    /// Each parameter's owning store and name there (for `load BUNDLE from …`).
    let owners: [String: (ParameterStore, String)]
}

/// A value a pattern record carries.
public enum PatternSetting: Equatable {
    case int(Int)
    case number(Double)
    case text(String)
}

/// How the models of one pattern fit together (the manifest's `patterns`).
public struct PlannedPattern {
    /// "split", "distill", "plugin", "retrieval" (device side) or "retrieval_index" (cloud side).
    public let kind: String
    /// The declaration's name.
    public let name: String
    /// Role in the pattern → bundle model name.
    public let models: [String: String]
    public let settings: [String: PatternSetting]
}

/// The models and patterns of one bundle.
public struct BundlePlan {
    public let bundle: BundleValue
    public var models: [PlannedModel] = []
    public var patterns: [PlannedPattern] = []

    public var isDevice: Bool { bundle.role.side == .device }

    /// What a plan holds besides the models' graphs.
    public enum Contents {
        /// Every model's weights, read from the models' stores (compile, run, save, load).
        case weights
        /// No weights (`dcl check`: check mode creates none).
        case graphs
    }

    /// A `.graphs` plan needs a value check mode leaves unknown (a model built from data, the
    /// role's data or pool): the bundle can only be planned by `dcl compile`.
    public struct NeedsData: Error {}

    /// Expands `bundle`. Errors are diagnostics at the bundle declaration.
    public static func make(_ bundle: BundleValue, evaluator: Evaluator, contents: Contents = .weights) throws -> BundlePlan {
        var plan = BundlePlan(bundle: bundle)
        var builder = PlanBuilder(plan: plan, evaluator: evaluator, contents: contents)
        for (expression, value) in bundle.models { try builder.add(expression, value) }
        if let r = bundle.index { try builder.addIndex(r) }
        plan = builder.plan
        guard !plan.models.isEmpty else {
            // Check mode drops an `index:` it cannot evaluate, so an empty plan proves nothing.
            if contents == .graphs { throw NeedsData() }
            throw builder.error("bundle `\(bundle.name)` ships no models")
        }
        return plan
    }

    /// Every weight, keyed `MODEL/PARAM` (the checkpoint layout of `save BUNDLE to …`).
    public var checkpointTensors: [String: Tensor] {
        var out: [String: Tensor] = [:]
        for m in models { for (k, t) in m.weights { out["\(m.name)/\(k)"] = t } }
        return out
    }

    /// Copies checkpoint tensors (keyed `MODEL/PARAM`) into the models' owners, after checking
    /// every weight of every model is present with its shape.
    public func load(_ tensors: [String: Tensor], path: String, span: SourceSpan) throws {
        for m in models {
            for (name, t) in m.weights {
                let key = "\(m.name)/\(name)"
                guard let l = tensors[key] else {
                    throw RuntimeError(RuntimeCode.io, "`\(path)` has no tensor `\(key)` for bundle `\(bundle.name)`", at: span)
                }
                guard l.shape == t.shape, l.dtype == t.dtype else {
                    throw RuntimeError(RuntimeCode.io, "`\(path)`: `\(key)` is \(l.dtype.rawValue)\(formatShape(l.shape)), the bundle needs \(t.dtype.rawValue)\(formatShape(t.shape))",
                                       at: span)
                }
            }
        }
        for m in models {
            for name in m.weights.keys {
                guard let (store, local) = m.owners[name] else { continue }
                store.tensors[local] = tensors["\(m.name)/\(name)"]!
            }
        }
    }
}

/// Expands entries one by one.
private struct PlanBuilder {
    var plan: BundlePlan
    let evaluator: Evaluator
    let contents: BundlePlan.Contents
    var span: SourceSpan { plan.bundle.span }
    var withWeights: Bool { contents == .weights }

    func error(_ message: String, code: String = RuntimeCode.type, hint: String? = nil) -> RuntimeError {
        RuntimeError(code, message, at: span, hint: hint)
    }

    mutating func add(_ expression: String, _ value: DCLCompiler.Value) throws {
        switch value {
        case .model, .distill:
            let m = try evaluator.asModel(value, span: span)!
            try addModel(expression, m)
            if case .distill(let d) = value {
                plan.patterns.append(PlannedPattern(kind: "distill", name: d.name, models: ["student": expression],
                                                    settings: ["teacher": .text(d.teacher.name), "loss": .text(d.loss.rawValue)]))
            }
        case .split(let s):
            guard !plan.isDevice else {
                throw error("split `\(expression)` cannot ship in device bundle `\(plan.bundle.name)`: it holds the cloud-only `\(s.cloud.name)`",
                            code: RuntimeCode.placement, hint: "ship `\(expression).device` and a distilled control model instead")
            }
            try addModel("\(expression).cloud", s.cloud)
            try addModel("\(expression).device", s.device)
            try addModel(expression, try evaluator.asModel(value, span: span)!)
            var settings: [String: PatternSetting] = ["fuse": .text(s.fuse.rawValue)]
            if let w = s.deviceWidth { settings["device_width"] = .number(w) }
            plan.patterns.append(PlannedPattern(kind: "split", name: s.name,
                                                models: ["cloud": "\(expression).cloud", "device": "\(expression).device", "fused": expression],
                                                settings: settings))
        case .plugin(let p):
            try addPlugin(expression, p)
        case .retrieval(let r):
            guard plan.isDevice else {
                throw error("retrieval `\(expression)` in `models` ships its device-side classifier; a cloud bundle takes it as `index: \(expression)`")
            }
            try addRetrieval(expression, r)
        case .unknown:
            if !withWeights { throw BundlePlan.NeedsData() }
            throw error("`\(expression)` has no value in this mode (does it come from training or evaluation?)")
        default:
            throw error("`\(expression)` is \(value.kindName == "int" ? "an" : "a") \(value.kindName); a bundle's `models` holds models, splits, distillations, plug-ins or retrieval policies")
        }
    }

    /// Adds one model under `name`, refusing cloud-only models in device bundles.
    mutating func addModel(_ name: String, _ m: ModelInstance) throws {
        if plan.isDevice && m.cloudOnly {
            throw error("`\(name)` is cloud-only and cannot ship in device bundle `\(plan.bundle.name)`", code: RuntimeCode.placement,
                        hint: "ship the device submodel and a distilled control model instead")
        }
        try append(name, try wrap(name) { try GraphExtraction.standalone(m, table: evaluator.elaborator.models, withWeights: withWeights) })
    }

    mutating func append(_ name: String, _ e: GraphExtraction.Extracted, measureBatch: Int = 1) throws {
        guard !plan.models.contains(where: { $0.name == name }) else {
            throw error("bundle `\(plan.bundle.name)` holds `\(name)` twice")
        }
        plan.models.append(PlannedModel(name: name, graph: e.graph, weights: e.weights, measureBatch: measureBatch, owners: e.owners))
    }

    func wrap<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as GraphExtraction.Failure {
            throw error("cannot export `\(name)`: \(e.description)")
        } catch let e as GraphError {
            throw error("cannot export `\(name)`: \(e.description)", code: RuntimeCode.shape)
        }
    }

    // MARK: ICIIA

    mutating func addPlugin(_ expression: String, _ p: PluginValue) throws {
        if plan.isDevice && p.backbone.cloudOnly {
            throw error("plug-in `\(expression)` attaches to the cloud-only `\(p.backbone.name)` and cannot ship to a device", code: RuntimeCode.placement)
        }
        let features = try p.backbone.view(p.attachPoint, span: span)
        try addModel("\(expression).features", features)
        // One prediction runs the memory and the new image through the head together.
        try append("\(expression).head", try wrap("\(expression).head") { try GraphExtraction.standalone(p.module, table: evaluator.elaborator.models, withWeights: withWeights) },
                   measureBatch: p.memory + 1)
        // The cold-start answer is the backbone's own. Attached at its features, that is the
        // backbone's head applied to the features the device computes anyway; attached
        // elsewhere (where the runtime's view is not a cut), the whole backbone.
        let cut = p.attachPoint == "features"
        try append("\(expression).fallback", try wrap("\(expression).fallback") {
            cut ? try GraphExtraction.head(of: p.backbone, after: "features", table: evaluator.elaborator.models, withWeights: withWeights)
                : try GraphExtraction.standalone(p.backbone, table: evaluator.elaborator.models, withWeights: withWeights)
        })
        let models = ["features": "\(expression).features", "head": "\(expression).head", "fallback": "\(expression).fallback"]
        plan.patterns.append(PlannedPattern(kind: "plugin", name: p.name, models: models, settings: [
            "memory": .int(p.memory), "min_memory": .int(p.minMemory), "attach": .text(p.attachPoint),
            "feature_width": .int(p.module.inputs[0].shape.reduce(1, *)), "fallback_reads": .text(cut ? "features" : "input"),
        ]))
    }

    // MARK: CoDA

    /// The embedding table `m` looks its `input` ids up in: (parameter name, store, shape, and
    /// the tensor — nil in a `.graphs` plan).
    func embeddingTable(_ m: ModelInstance, input: String) throws -> (name: String, store: ParameterStore, shape: [Int], tensor: Tensor?) {
        let f = try m.ownedForward(training: false)
        let g = f.graph
        guard let ids = g.input(named: input) else { throw error("`\(m.name)` has no input `\(input)`") }
        for n in g.nodes where n.op is GatherRows && n.inputs[1] == ids {
            guard let name = g.parameterName(of: n.inputs[0]) else { continue }
            let (store, local): (ParameterStore, String)
            if let ref = f.owners[name], let part = evaluator.elaborator.models.owner(of: ref) {
                (store, local) = (part.weights, ref.name)
            } else {
                (store, local) = (m.weights, name)
            }
            guard let shape = g.parameters.first(where: { $0.name == name })?.shape, shape.count == 2 else { continue }
            if !withWeights { return (local, store, shape, nil) }
            guard let t = store.tensors[local], t.shape == shape else { continue }
            return (local, store, shape, t)
        }
        throw error("`\(m.name)` does not look its `\(input)` input up in an embedding table")
    }

    mutating func addRetrieval(_ expression: String, _ r: RetrievalValue) throws {
        guard case .classifier(let hidden, let threshold, _, _)? = r.fine else {
            throw error("retrieval `\(expression)` has no sample classifier to ship (its fine strategy is \(r.fine?.name ?? "none"))")
        }
        var width = 0  // item embedding and genres (as RetrievalProtocol.sampleFeatures)
        var settings: [String: PatternSetting] = ["threshold": .number(threshold), "coarse": .text(r.coarse.name)]
        var models = ["classifier": "\(expression).classifier"]
        if case .knn(let m, _, _, _) = r.coarse, let table = try? embeddingTable(m, input: "item") {
            if m.cloudOnly {
                throw error("the sample classifier reads item embeddings of the cloud-only `\(m.name)`, which cannot ship to a device", code: RuntimeCode.placement)
            }
            width += table.shape[1]
            let b = GraphBuilder()
            let item = try b.input("item", TensorType(.int32, [.symbol("N")]))
            let w = try b.parameter("weight", shape: table.shape, initializer: .zeros, trainable: false)
            try b.output(ForwardGraph.output, try b.gather(w, item))
            try append("\(expression).item_features", GraphExtraction.Extracted(
                graph: try b.finish(), weights: table.tensor.map { ["weight": $0] } ?? [:], owners: ["weight": (table.store, table.name)]))
            models["item_features"] = "\(expression).item_features"
        }
        if let g = try genresWidth() {
            width += g
            settings["genres"] = .int(g)
        }
        guard width > 0 else {
            throw error("the sample classifier of `\(expression)` needs item features: use `knn(model: …)` with an item embedding, or device data with genres")
        }
        settings["feature_width"] = .int(width)
        settings["hidden"] = .text("[" + hidden.map(String.init).joined(separator: ", ") + "]")
        let session = Session(output: { _ in })
        let layer = try RetrievalProtocol(session: session, evaluator: evaluator).classifierLayer(hidden: hidden, span: span)
        let clf = try evaluator.elaborator.modelFromLayer(layer, inputs: [ModelInput(name: "features", shape: [width], dtype: .float32)],
                                               name: "\(r.name).classifier", span: span)
        try addModel("\(expression).classifier", clf)
        plan.patterns.append(PlannedPattern(kind: "retrieval", name: r.name, models: models, settings: settings))
    }

    /// Genre features per item in the bundle role's data, if it has them.
    func genresWidth() throws -> Int? {
        switch plan.bundle.role.fields["data"] {
        case .unknown? where !withWeights:
            throw BundlePlan.NeedsData()
        case .clients(let c)?:
            guard let d = c.federated.clients.first?.train, d.hasColumn("genres"), d.count > 0, let t = try? d.column("genres") else { return nil }
            return t.count / d.count
        case .dataset(let d)?:
            guard d.dataset.hasColumn("genres"), d.dataset.count > 0, let t = try? d.dataset.column("genres") else { return nil }
            return t.count / d.dataset.count
        default:
            return nil
        }
    }

    mutating func addIndex(_ r: RetrievalValue) throws {
        guard !plan.isDevice else {
            throw error("a retrieval index holds the cloud's sample pool and cannot ship to a device", code: RuntimeCode.placement)
        }
        guard case .knn(let m, let input, let metric, let users) = r.coarse else {
            throw error("retrieval `\(r.name)` matches users by `\(r.coarse.name)`, which has no index to ship; only `knn(model: …)` builds one")
        }
        let table = try embeddingTable(m, input: input)
        let pool = try poolUsers()
        let rows = table.shape[0]
        if let bad = pool.first(where: { Int($0) >= rows || $0 < 0 }) {
            throw error("pool user \(bad) is outside `\(m.name)`'s \(rows)-row embedding table")
        }
        // One more than the matched users, so the querying user can drop itself.
        let k = min(users + 1, pool.count)
        let b = GraphBuilder()
        let user = try b.input(input, TensorType(.int32, [.symbol("N")]))
        let w = try b.parameter("user_embedding", shape: table.shape, initializer: .zeros)
        let ids = try b.parameter("pool_users", shape: [pool.count], initializer: .zeros, trainable: false, dtype: .int32)
        let query = try b.gather(w, user), members = try b.gather(w, ids)
        let scores = metric == "dot" ? try b.matmul(query, members, transposeB: true) : try b.cosineSimilarity(query, members)
        let best = try b.topK(scores, k: k)
        try b.output("scores", best.values)
        try b.output("positions", best.indices)
        let name = "\(r.name).index"
        // The pool's ids come from the role's data and have no owner to load back into.
        let weights = try table.tensor.map { ["user_embedding": $0, "pool_users": try Tensor(shape: [pool.count], ints: pool)] } ?? [:]
        try append(name, GraphExtraction.Extracted(graph: try b.finish(), weights: weights, owners: ["user_embedding": (table.store, table.name)]))
        plan.patterns.append(PlannedPattern(kind: "retrieval_index", name: r.name, models: ["index": name], settings: [
            "metric": .text(metric), "users": .int(users), "k": .int(k), "pool_users": .int(pool.count),
            "positions_index": .text("pool_users"),
        ]))
    }

    /// The distinct user ids of the bundle role's pool (`pool:`, else `data:`), ascending.
    func poolUsers() throws -> [Int32] {
        let role = plan.bundle.role
        let given = role.fields["pool"] ?? role.fields["data"]
        if given?.isUnknown == true && !withWeights { throw BundlePlan.NeedsData() }
        guard let v = given else {
            throw error("the index needs the cloud's sample pool: give role `\(role.name)` a `pool:` (or `data:`) field")
        }
        guard case .dataset(let d) = v else {
            throw error("role `\(role.name)`'s pool must be a dataset, found \(v.kindName)")
        }
        guard let groups = d.dataset.groups else {
            throw error("the pool `\(d.origin)` has no per-sample user ids (load it with `movielens`)")
        }
        return Array(Set(groups)).sorted()
    }
}

/// `save BUNDLE to "w.safetensors"` and `load BUNDLE from "w.safetensors"`: every model of a
/// bundle in one safetensors file, keyed `MODEL/PARAM` with the bundle's names.
/// `dcl compile --weights w.safetensors` reads the same layout, which is how trained weights
/// reach a bundle compiled from a script that does not train.
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
