// Constructing model instances: a model's body is evaluated with symbolic tensors, each layer
// application adding nodes to a graph (`ElaborationContext`). Blocks are layers whose bodies
// are evaluated the same way, inside the model being built.

import DCLDiagnostics
import DCLGraph
import DCLSema
import DCLSyntax
import DCLTensor

/// What elaborating a model body produced.
struct Elaborated {
    var graph: Graph
    /// Owners of the parameters of models the body applied.
    var owners: ParameterOwners
    var inputs: [ModelInput]
    var outputShape: [Int]
    var sectionParameters: [String: [String]]
    var sections: [String]
    var statementNodes: [StatementNodes]
    /// Width-bearing layers in elaboration order, and those inside the stem section.
    var widthLayers: Int
    var stemWidthLayers: Set<Int>
}

extension Elaborator {
    /// Calls a model or block constructor.
    func construct(_ c: ConstructorRef, _ args: [EvaluatedArgument], span: SourceSpan, width: WidthScaling? = nil) throws -> Value {
        let params = c.model?.params ?? c.block?.params ?? []
        let bound = try interpreter.bindUserArguments(params, args, callee: "`\(c.name)`", span: span, defaultsEnv: interpreter.environment(of: c.module))
        if bound.contains(where: { $0.value.isUnknown }) { return .unknown }
        if c.isBlock {
            var b = BoundArguments()
            b.reserve(bound.count)
            for (k, v) in bound { b.set(k, value: v, span: span) }
            return .layer(LayerValue(.block(c, b), span: span))
        }
        var arguments: [String: Value] = [:]
        arguments.reserveCapacity(bound.count)
        for (k, v) in bound { arguments[k] = v }
        return .model(try constructModel(c, arguments, span: span, width: width))
    }

    /// Constructs a model declaration with every parameter at its default (check mode).
    public func constructDefault(_ md: ModelDecl, in m: DCLModule, span: SourceSpan) throws -> Value {
        try construct(ConstructorRef(module: m, model: md), [], span: span)
    }

    /// Elaborates a model declaration into an instance with fresh, seeded weights.
    func constructModel(_ c: ConstructorRef, _ args: [String: Value], span: SourceSpan, width: WidthScaling? = nil,
                        name: String? = nil) throws -> ModelInstance {
        let base = name ?? c.name
        instanceCounts[base, default: 0] += 1
        let count = instanceCounts[base]!
        let key = count == 1 ? base : "\(base)_\(count)"
        let first = try elaborateModel(c, args, training: false, width: width, seedLabel: key, span: span)
        let store = WeightStore()
        if !checkMode {
            for p in first.graph.parameters {
                var t = try Tensor(zeros: p.shape, dtype: p.dtype)
                if p.dtype == .float32 {
                    var rng = generator("init/\(key)/\(p.name)")
                    t.withMutableFloats { buf in p.initializer.fill(buf.baseAddress!, count: buf.count, rng: &rng) }
                }
                store.tensors[p.name] = t
            }
        }
        let m = ModelInstance(table: models, name: key, inputs: first.inputs, outputShape: first.outputShape, weights: store,
                              sectionParameters: first.sectionParameters, sections: first.sections,
                              recipe: ModelRecipe(constructor: c, arguments: args)) { training in
            // The body runs again (for the other mode) through the session's interpreter.
            try withExtendedLifetime(try self.liveInterpreter(for: key)) {
                let e = try self.elaborateModel(c, args, training: training, width: width, seedLabel: key, span: span)
                return OwnedGraph(graph: e.graph, owners: e.owners)
            }
        }
        m.cache(OwnedGraph(graph: first.graph, owners: first.owners), training: false)
        m.statementNodes = first.statementNodes
        modelObserver?.constructed(m, by: c)
        return m
    }

    /// Runs a model body with symbolic tensors and returns the graph it built.
    func elaborateModel(_ c: ConstructorRef, _ args: [String: Value], training: Bool, width: WidthScaling?, seedLabel: String,
                        span: SourceSpan) throws -> Elaborated {
        // A model declared without parameters is constructed at its own declaration: no frame.
        if span == c.model?.name.span {
            return try elaborateModelBody(c, args, training: training, width: width, seedLabel: seedLabel, span: span)
        }
        return try interpreter.inFrame("in model `\(c.name)`, constructed here", calledAt: span) {
            try elaborateModelBody(c, args, training: training, width: width, seedLabel: seedLabel, span: span)
        }
    }

    private func elaborateModelBody(_ c: ConstructorRef, _ args: [String: Value], training: Bool, width: WidthScaling?,
                                    seedLabel: String, span: SourceSpan) throws -> Elaborated {
        guard let md = c.model else { throw RuntimeError(RuntimeCode.type, "`\(c.name)` is a block, not a model", at: span) }
        let ctx = ElaborationContext(training: training, width: width, seedLabel: seedLabel, runSeed: seed)
        let env = Environment(parent: interpreter.environment(of: c.module), module: c.module)
        for (k, v) in args { env.define(k, v) }
        let saved = elaboration
        elaboration = ctx
        defer { elaboration = saved }
        var inputs: [ModelInput] = []
        var result: Value?
        do {
            body: for s in md.body.statements {
                switch s.kind {
                case .input(let name, let type):
                    let (shape, dtype) = try inputShape(type, in: env)
                    ctx.at(name.span)
                    let v = try ctx.builder.input(name.name, TensorType(dtype, [Dim.symbol("N")] + shape.map { Dim($0) }))
                    inputs.append(ModelInput(name: name.name, shape: shape, dtype: dtype))
                    env.define(name.name, ctx.tensor(v), mutable: true)
                    if ctx.current == nil { ctx.current = ctx.tensor(v) }
                case .section(let kind, let block, _):
                    ctx.currentSection = kind.rawValue
                    let widthBefore = ctx.widthLayerCount
                    defer { if kind == .stem { ctx.stemWidthLayers.formUnion(widthBefore..<ctx.widthLayerCount) } }
                    let flow = try ctx.scoped(kind.rawValue) { try interpreter.executeBlock(block, in: env) }
                    ctx.currentSection = nil
                    if case .returned(let v) = flow { result = v; break body }
                    if case .tensor(let t)? = ctx.current { ctx.sectionOutputs.append((kind.rawValue, t.value)) }
                default:
                    if case .returned(let v) = try interpreter.execute(s, in: env) { result = v; break body }
                }
            }
        } catch let e as GraphError {
            throw runtimeError(e, ctx)
        }
        guard !inputs.isEmpty else {
            throw RuntimeError(RuntimeCode.shape, "model `\(c.name)` declares no input", at: md.name.span,
                               hint: "add a line such as `input x: [1, 28, 28]`")
        }
        guard case .tensor(let out)? = result ?? ctx.current else {
            throw RuntimeError(RuntimeCode.shape, "model `\(c.name)` produces no tensor", at: md.name.span)
        }
        var outShape: [Int] = []
        for d in out.type.dims.dropFirst() {
            guard let k = d.constant else {
                throw RuntimeError(RuntimeCode.shape, "the output of `\(c.name)` has a per-sample dimension `\(d)` that depends on the batch",
                                   at: md.name.span)
            }
            outShape.append(k)
        }
        guard out.type.dims.first == Dim.symbol("N") else {
            throw RuntimeError(RuntimeCode.shape, "the output of `\(c.name)` must keep the batch as its first axis, found \(out.type)",
                               at: md.name.span)
        }
        do {
            try ctx.builder.output(ForwardGraph.output, out.value)
            for (name, v) in ctx.sectionOutputs where v != out.value || name != "head" {
                try ctx.builder.output(ForwardGraph.tap(name), ctx.builder.graph.value(v.id))
            }
            // Check mode discards the graph after reading its shapes; runs verify it.
            let graph = checkMode ? ctx.builder.graph : try ctx.builder.finish()
            return Elaborated(graph: graph, owners: ctx.owners, inputs: inputs, outputShape: outShape, sectionParameters: ctx.sectionParameters,
                              sections: ctx.sectionOutputs.map(\.0), statementNodes: ctx.statementNodes,
                              widthLayers: ctx.widthLayerCount, stemWidthLayers: ctx.stemWidthLayers)
        } catch let e as GraphError {
            throw runtimeError(e, ctx)
        }
    }

    /// The per-sample shape and element type of `input x: f32[…]`; list-valued dims splice.
    func inputShape(_ t: TensorTypeExpr, in env: Environment) throws -> ([Int], DType) {
        var dtype = DType.float32
        if let d = t.dtype {
            switch d.name {
            case "f32": dtype = .float32
            case "i32": dtype = .int32
            default: throw RuntimeError(RuntimeCode.type, "unknown element type `\(d.name)`", at: d.span, hint: "use `f32` or `i32`")
            }
        }
        var shape: [Int] = []
        for e in t.dims {
            switch try interpreter.evaluate(e, in: env) {
            case .int(let i): shape.append(i)
            case .list(let xs): shape += try xs.map { try positiveInt($0, "a dimension", span: e.span) }
            case let v: throw RuntimeError(RuntimeCode.type, "a dimension must be an int, found \(v.kindName)", at: e.span)
            }
        }
        for (i, d) in shape.enumerated() where d <= 0 {
            throw RuntimeError(RuntimeCode.shape, "dimension \(i + 1) of the input is \(d); dimensions must be positive", at: t.span)
        }
        return (shape, dtype)
    }

    /// A graph error as a run-time error at the span of the code that caused it.
    func runtimeError(_ e: GraphError, _ ctx: ElaborationContext) -> RuntimeError {
        RuntimeError(RuntimeCode.shape, e.shapeMessage, at: ctx.span(ofOrigin: e.origin ?? 0))
    }

    /// Applies a layer, model or block to tensors inside a model body or objective.
    func apply(_ f: Value, to args: [Value], argumentSpans: [SourceSpan], span: SourceSpan) throws -> Value {
        if args.contains(where: { $0.isUnknown }) || f.isUnknown { return .unknown }
        switch f {
        case .layer(let l):
            if args.count == 1, case .layer(let inner) = args[0] {
                return .layer(LayerValue(.composed([inner, l]), span: span))
            }
            return try applyLayer(l, to: args, span: span)
        case .model, .distill, .split:
            guard let m = try interpreter.asModel(f, span: span) else { break }
            return try applyModel(m, to: args, span: span)
        case .function(.user(let fd, let module)):
            return try interpreter.callUser(fd, module: module, args.enumerated().map { (label: nil, value: $1, span: argumentSpans[$0]) }, span: span)
        case .function(.transform(let spec, let bound, _)):
            guard args.count == 1 else { break }
            return try interpreter.applyTransform(spec, bound, to: args[0], span: span)
        case .function(.builtin(let spec)):
            return try interpreter.callBuiltin(spec, args.enumerated().map { (label: nil, value: $1, span: argumentSpans[$0]) }, subject: nil, span: span)
        default:
            break
        }
        throw RuntimeError(RuntimeCode.type, "a \(f.kindName) cannot be applied to \(args.map(\.kindName).joined(separator: ", "))", at: span)
    }

    /// A built-in layer applied to one tensor, what `apply` does for it without a layer value and
    /// argument arrays per call; nil outside a model body (`apply` says what is wrong then).
    func lower(_ call: BuiltinLayerCall, appliedTo x: SymbolicTensor, span: SourceSpan) throws -> Value? {
        guard let ctx = elaboration else { return nil }
        do {
            return ctx.tensor(try lowerLayer(call, x.value, ctx: ctx, span: span))
        } catch let e as GraphError {
            throw runtimeError(e, ctx)
        }
    }

    func applyLayer(_ l: LayerValue, to args: [Value], span: SourceSpan) throws -> Value {
        guard let ctx = elaboration else {
            throw RuntimeError(RuntimeCode.type, "layers apply to tensors inside a model body or objective", at: span,
                               hint: "to run a model on data use `evaluate(…)` (or `dcl predict` on a compiled bundle)")
        }
        switch l.kind {
        case .builtin(let call):
            guard args.count == 1, case .tensor(let x) = args[0] else {
                throw RuntimeError(RuntimeCode.type, "`\(call.spec.name)` applies to one tensor", at: span)
            }
            do {
                return ctx.tensor(try lowerLayer(call, x.value, ctx: ctx, span: l.span))
            } catch let e as GraphError {
                throw runtimeError(e, ctx)
            }
        case .composed(let ls):
            var v = args
            for inner in ls { v = [try applyLayer(inner, to: v, span: span)] }
            return v[0]
        case .model(let m):
            return try applyModel(m, to: args, span: span)
        case .block(let c, let bound):
            guard let bd = c.block else { throw RuntimeError(RuntimeCode.type, "`\(c.name)` is not a block", at: span) }
            guard args.count == bd.inputs.count else {
                throw RuntimeError(RuntimeCode.type, "block `\(c.name)` takes \(bd.inputs.count) tensor\(bd.inputs.count == 1 ? "" : "s"), found \(args.count)",
                                   at: span)
            }
            interpreter.callDepth += 1
            defer { interpreter.callDepth -= 1 }
            guard interpreter.callDepth <= interpreter.maxCallDepth else {
                throw RuntimeError(RuntimeCode.limit, "blocks nested deeper than \(interpreter.maxCallDepth) (does `\(c.name)` apply itself?)", at: span)
            }
            guard StackGuard.interpreterHasRoom() else {
                throw RuntimeError(RuntimeCode.limit, "blocks nested \(interpreter.callDepth) deep, too deep for this thread's stack (does `\(c.name)` apply itself?)", at: span)
            }
            let env = Environment(parent: interpreter.environment(of: c.module), module: c.module)
            bound.forEach { k, v in env.define(k, v) }
            for (name, v) in zip(bd.inputs, args) { env.define(name.name, v, mutable: true) }
            let saved = ctx.current, wasSequential = ctx.sequential
            ctx.current = args[0]
            ctx.sequential = true
            defer { ctx.current = saved; ctx.sequential = wasSequential }
            let flow = try interpreter.inFrame("in block `\(c.name)`, applied here", calledAt: span) {
                try ctx.scoped(ctx.layerLeaf(c.name)) {
                    try interpreter.executeBlock(bd.body, in: env)
                }
            }
            if case .returned(let v) = flow { return v }
            guard let out = ctx.current else { throw RuntimeError(RuntimeCode.shape, "block `\(c.name)` produced no tensor", at: span) }
            return out
        }
    }
}

extension GraphError {
    /// The message without the origin bookkeeping.
    public var shapeMessage: String {
        var s = message
        if let node = node, !node.isEmpty { s = "\(op) (`\(node)`): \(message)" } else { s = "\(op): \(message)" }
        return s
    }
}
