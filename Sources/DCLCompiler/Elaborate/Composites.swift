// Models made of models: sums (`a + b`, a split's fused model), views (`m.features`,
// `m.head`), models built from a layer (a plug-in head, a sample classifier), and the pattern
// constructors `vertical` and `attach`.

import DCLDiagnostics
import DCLGraph
import DCLSema
import DCLTensor

extension Elaborator {
    /// The model whose output combines the parts' outputs on the same inputs.
    func fusedModel(_ parts: [ModelInstance], op: FuseOp, span: SourceSpan, name: String? = nil) throws -> ModelInstance {
        let first = parts[0]
        for p in parts.dropFirst() {
            guard p.inputs == first.inputs else {
                throw RuntimeError(RuntimeCode.shape, "cannot combine `\(first.name)` (\(first.inputDescription)) and `\(p.name)` (\(p.inputDescription)): their inputs differ",
                                   at: span)
            }
            guard p.outputShape == first.outputShape else {
                throw RuntimeError(RuntimeCode.shape, "cannot combine `\(first.name)` \(first.outputDescription) and `\(p.name)` \(p.outputDescription): their outputs differ",
                                   at: span)
            }
        }
        let label = name ?? parts.map(\.name).joined(separator: op == .sum ? " + " : " ⊕ ")
        let m = ModelInstance(table: models, name: label, inputs: first.inputs, outputShape: first.outputShape, weights: WeightStore(),
                              cloudOnly: parts.contains { $0.cloudOnly }, parts: parts) { training in
            let ctx = ElaborationContext(training: training, width: nil, seedLabel: label, runSeed: self.seed)
            let b = ctx.builder
            let ins = try first.inputs.map { try b.input($0.name, TensorType($0.dtype, [Dim.symbol("N")] + $0.shape.map { Dim($0) })) }
            var out: GraphValue?
            for p in parts {
                let y = try self.inline(p, into: ctx, inputs: ins, training: training, span: span)
                out = try out.map { try b.add($0, y) } ?? y
            }
            if op == .mean { out = try b.mul(out!, b.scalar(1 / Float(parts.count))) }
            try b.output(ForwardGraph.output, out!)
            return OwnedGraph(graph: try b.finish(), owners: ctx.owners)
        }
        m.fuseOp = op
        return m
    }

    /// `copy(m)`: a new instance with the same structure and copied weights.
    public func copyModel(_ m: ModelInstance, span: SourceSpan) throws -> ModelInstance {
        if !m.isComposite { return m.copyingWeights(name: m.name) }
        guard let op = m.fuseOp else {
            throw RuntimeError(RuntimeCode.type, "`\(m.name)` cannot be copied; copy its parts instead", at: span)
        }
        return try fusedModel(try m.parts.map { try copyModel($0, span: span) }, op: op, span: span)
    }

    /// A model cut at its body: just the inputs to one layer value (plug-in heads, classifiers).
    /// `seedKey` names the initial weights' random stream (default: the name, numbered per
    /// instance); a caller that must get the same weights on every call passes a fixed key.
    public func modelFromLayer(_ layer: LayerValue, inputs: [ModelInput], name: String, span: SourceSpan,
                               seedKey: String? = nil) throws -> ModelInstance {
        let key: String
        if let k = seedKey {
            key = k
        } else {
            instanceCounts[name, default: 0] += 1
            key = instanceCounts[name]! == 1 ? name : "\(name)_\(instanceCounts[name]!)"
        }
        func build(_ training: Bool) throws -> (OwnedGraph, [Int]) {
            let ctx = ElaborationContext(training: training, width: nil, seedLabel: key, runSeed: seed)
            let saved = elaboration
            elaboration = ctx
            defer { elaboration = saved }
            let b = ctx.builder
            let ins = try inputs.map { ctx.tensor(try b.input($0.name, TensorType($0.dtype, [Dim.symbol("N")] + $0.shape.map { Dim($0) }))) }
            guard case .tensor(let out) = try applyLayer(layer, to: ins, span: span) else {
                throw RuntimeError(RuntimeCode.shape, "`\(layer.name)` produced no tensor", at: span)
            }
            try wrapGraph(ctx) { try b.output(ForwardGraph.output, out.value) }
            let g = try wrapGraph(ctx) { try b.finish() }
            let shape = try out.type.dims.dropFirst().map { d -> Int in
                guard let c = d.constant else { throw RuntimeError(RuntimeCode.shape, "output of `\(layer.name)` depends on the batch", at: span) }
                return c
            }
            return (OwnedGraph(graph: g, owners: ctx.owners), shape)
        }
        let (first, shape) = try build(false)
        let store = WeightStore()
        if !checkMode {
            for p in first.graph.parameters {
                var t = try Tensor(zeros: p.shape, dtype: p.dtype)
                var rng = generator("init/\(key)/\(p.name)")
                if p.dtype == .float32 { t.withMutableFloats { p.initializer.fill($0.baseAddress!, count: $0.count, rng: &rng) } }
                store.tensors[p.name] = t
            }
        }
        let m = ModelInstance(table: models, name: key, inputs: inputs, outputShape: shape, weights: store) { training in
            // A block layer runs its body through the interpreter.
            try withExtendedLifetime(try self.liveInterpreter(for: key)) { try build(training).0 }
        }
        m.cache(first, training: false)
        return m
    }

    /// `vertical(…)`: a width split into cloud and device halves (or two given models).
    func vertical(_ a: BoundArguments, span: SourceSpan) throws -> Value {
        let fuse = FuseOp(rawValue: try option(a["fuse"], "fuse", choices: ["sum", "mean"], span: span))!
        if case .none = a["model"] {
            guard let c = a["cloud"].modelInstance, let d = a["device"].modelInstance else {
                throw RuntimeError(RuntimeCode.type, "`vertical` needs a backbone, or both `cloud:` and `device:` models", at: span)
            }
            _ = try fusedModel([c, d], op: fuse, span: span)
            c.cloudOnly = true
            return .split(SplitValue(name: "split", cloud: c, device: d, fuse: fuse, deviceWidth: nil))
        }
        guard let base = a["model"].modelInstance, let recipe = base.recipe else {
            throw RuntimeError(RuntimeCode.type, "a width split needs a model made by a constructor, e.g. `vertical(lenet(10), …)`", at: span)
        }
        let dw = try double(a["device_width"], "device_width", span: a.span(of: "device_width") ?? span)
        guard dw > 0 && dw < 1 else {
            throw RuntimeError(RuntimeCode.value, "`device_width` must be a fraction in (0, 1), found \(dw)", at: a.span(of: "device_width") ?? span)
        }
        let probe = try elaborateModel(recipe.constructor, recipe.arguments, training: false, width: nil, seedLabel: "probe", span: span)
        guard probe.widthLayers > 0 else {
            throw RuntimeError(RuntimeCode.shape, "`\(base.name)` has no width-bearing layer to split", at: span)
        }
        var exempt: Set<Int> = [probe.widthLayers - 1]
        let shared = try bool(a["shared_stem"], "shared_stem", span: span)
        if shared {
            guard !probe.stemWidthLayers.isEmpty else {
                throw RuntimeError(RuntimeCode.shape, "`shared_stem: true` needs a model with a `stem` section", at: span)
            }
            exempt.formUnion(probe.stemWidthLayers)
        }
        let cloud = try constructModel(recipe.constructor, recipe.arguments, span: span,
                                       width: WidthScaling(factor: 1 - dw, exempt: exempt), name: "\(base.name).cloud")
        var device = try constructModel(recipe.constructor, recipe.arguments, span: span,
                                        width: WidthScaling(factor: dw, exempt: exempt), name: "\(base.name).device")
        if shared, let stemNames = cloud.sectionParameters["stem"] {
            let stem = Set(stemNames)
            // One stem: the device starts from the cloud's stem weights and keeps them fixed.
            for name in stem { device.weights.tensors[name] = cloud.weights.tensors[name] }
            let trainable = Set(try device.forward(training: false).parameters.filter { $0.trainable && !stem.contains($0.name) }.map(\.name))
            device = device.restricted(to: trainable, name: device.name)
        }
        cloud.cloudOnly = true
        return .split(SplitValue(name: "split", cloud: cloud, device: device, fuse: fuse, deviceWidth: dw))
    }

    /// `attach(…)`: a plug-in head over a backbone's features.
    func attach(_ a: BoundArguments, span: SourceSpan) throws -> Value {
        guard let backbone = a["backbone"].modelInstance else {
            throw RuntimeError(RuntimeCode.type, "`attach` needs a backbone model", at: span)
        }
        guard case .layer(let layer) = a["module"] else {
            throw RuntimeError(RuntimeCode.type, "`attach` needs the plug-in head as a layer (a block call)", at: span)
        }
        let at = try option(a["at"], "at", choices: ["features", "stem"], span: span)
        let features = try backbone.view(at, span: span)
        let memory = try int(a["memory"], "memory", span: span)
        let minMemory = try int(a["min_memory"], "min_memory", span: span)
        guard memory >= 0, minMemory >= 0 else { throw RuntimeError(RuntimeCode.value, "memory sizes must not be negative", at: span) }
        let module = try modelFromLayer(layer, inputs: [ModelInput(name: "features", shape: features.outputShape, dtype: .float32)],
                                        name: "\(backbone.name).plugin", span: span)
        guard module.outputShape == backbone.outputShape else {
            throw RuntimeError(RuntimeCode.shape, "the plug-in head outputs \(module.outputDescription) but the backbone's head outputs \(backbone.outputDescription)",
                               at: span)
        }
        return .plugin(PluginValue(name: "plugin", backbone: backbone, module: module, attachPoint: at, memory: memory, minMemory: minMemory))
    }

    /// In check mode `copy` and `average` keep the model's structure without weights; the other
    /// model built-ins train, measure or change weights, so their results are unknown.
    func checkModeModelOp(_ m: ModelBuiltin, _ a: BoundArguments, span: SourceSpan) throws -> Value {
        switch m {
        case .copy: return a["model"]
        case .average:
            if case .list(let ms) = a["models"], let f = ms.first { return f }
            return .unknown
        case .evaluate, .assign, .summary, .cost, .reinit, .history: return .unknown
        }
    }
}

extension ModelInstance {
    /// `m.features` (the model cut after that section) or `m.head`/`m.stem` (the model with only
    /// that section's parameters trainable).
    public func view(_ section: String, span: SourceSpan) throws -> ModelInstance {
        guard sections.contains(section) || sectionParameters[section] != nil else {
            throw RuntimeError(RuntimeCode.name, "`\(name)` has no `\(section)` section", at: span,
                               hint: sections.isEmpty ? "declare its layers in `features { … }` and `head { … }`" : "its sections: \(sections.joined(separator: ", "))")
        }
        if section == "features" {
            let g = try forward(training: false)
            guard let tap = g.output(named: ForwardGraph.tap(section)) else {
                throw RuntimeError(RuntimeCode.name, "`\(name)` has no `features` output to cut at", at: span)
            }
            let shape = g.type(of: tap).dims.dropFirst().compactMap(\.constant)
            let v = ModelInstance(table: table, name: "\(name).\(section)", inputs: inputs, outputShape: shape, weights: weights, cloudOnly: cloudOnly,
                                  sectionParameters: sectionParameters, sections: sections.filter { $0 != "head" }, parts: parts,
                                  recipe: nil) { training in
                let whole = try self.ownedForward(training: training)
                var g = whole.graph
                guard let t = g.output(named: ForwardGraph.tap(section)) else { throw GraphError(op: "view", "no features tap") }
                var out = g.outputs.first { $0.name == ForwardGraph.tap(section) }!
                out.name = ForwardGraph.output
                _ = t
                g.outputs = [out]
                g.assignments = training ? g.assignments : []
                // Owners of parameters the cut dropped are never looked up.
                return OwnedGraph(graph: try Passes.eliminateDeadNodes(g), owners: whole.owners)
            }
            return v
        }
        return restricted(to: Set(sectionParameters[section] ?? []), name: "\(name).\(section)")
    }

    /// The same model (weights shared) with only `names` trainable.
    func restricted(to names: Set<String>, name: String) -> ModelInstance {
        let v = ModelInstance(table: table, name: name, inputs: inputs, outputShape: outputShape, weights: weights, cloudOnly: cloudOnly,
                              trainableSubset: names, sectionParameters: sectionParameters, sections: sections, parts: parts,
                              recipe: recipe) { training in try self.ownedForward(training: training) }
        return v
    }
}
