// Tensor operations inside model bodies and objectives: arithmetic, `matmul`, `concat`,
// `stop`, elementwise functions and the losses.

import DCLDiagnostics
import DCLGraph
import DCLSema
import DCLSyntax
import DCLTensor

extension Elaborator {
    private func context(_ span: SourceSpan) throws -> ElaborationContext {
        guard let ctx = elaboration else {
            throw RuntimeError(RuntimeCode.type, "tensors exist only inside a model body or an objective", at: span)
        }
        return ctx
    }

    private func graphValue(_ v: Value, _ ctx: ElaborationContext, span: SourceSpan, what: String) throws -> GraphValue {
        switch v {
        case .tensor(let t):
            guard t.context === ctx else {
                throw RuntimeError(RuntimeCode.type, "this tensor belongs to another model's graph", at: span)
            }
            return t.value
        case .int, .float:
            return ctx.builder.scalar(Float(v.numeric!))
        default:
            throw RuntimeError(RuntimeCode.type, "\(what) must be a tensor, found \(v.kindName)", at: span)
        }
    }

    func tensorNegate(_ t: SymbolicTensor, span: SourceSpan) throws -> Value {
        let ctx = try context(span)
        ctx.at(span)
        return ctx.tensor(try wrapGraph(ctx) { try ctx.builder.neg(t.value) })
    }

    func tensorArithmetic(_ op: DCLSyntax.BinaryOp, _ a: Value, _ b: Value, span: SourceSpan) throws -> Value {
        let ctx = try context(span)
        ctx.at(span)
        if op == .power {
            guard case .tensor(let t) = a, let p = b.numeric else {
                throw RuntimeError(RuntimeCode.type, "`**` raises a tensor to a constant power", at: span)
            }
            return ctx.tensor(try wrapGraph(ctx) { try ctx.builder.pow(t.value, Float(p)) })
        }
        let x = try graphValue(a, ctx, span: span, what: "the left operand")
        let y = try graphValue(b, ctx, span: span, what: "the right operand")
        let bld = ctx.builder
        return ctx.tensor(try wrapGraph(ctx) {
            switch op {
            case .add: return try bld.add(x, y)
            case .subtract: return try bld.sub(x, y)
            case .multiply: return try bld.mul(x, y)
            case .divide: return try bld.div(x, y)
            default: throw RuntimeError(RuntimeCode.type, "`\(op.rawValue)` does not apply to tensors", at: span)
            }
        })
    }

    func wrapGraph<T>(_ ctx: ElaborationContext, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as GraphError { throw runtimeError(e, ctx) }
    }

    /// `tensorOp` built-ins: `exp`, `log`, `sqrt`, `abs` and `pow` of a number compute here;
    /// `shape` reads the input's type; the rest add graph nodes.
    func tensorOp(_ op: TensorOpBuiltin, _ spec: BuiltinSpec, _ a: BoundArguments, span: SourceSpan) throws -> Value {
        let first = a.value(of: spec.params.first?.name ?? "") ?? .none
        if first.isUnknown { return .unknown }
        if let x = first.numeric, let v = try interpreter.scalarMath(op, x, a, span: span) { return v }
        switch op {
        case .shape:
            guard case .tensor(let t) = first else {
                throw RuntimeError(RuntimeCode.type, "`shape` of a \(first.kindName)", at: span)
            }
            return .list(try t.type.dims.dropFirst().map { d in
                guard let c = d.constant else {
                    throw RuntimeError(RuntimeCode.shape, "`shape`: dimension `\(d)` of \(t.type) depends on the batch", at: span)
                }
                return .int(c)
            })
        case .matmul:
            return try graphOp(a, span: span) { b, t, _ in
                try b.matmul(try t("a"), try t("b"), transposeA: try bool(a["transpose_a"], "transpose_a", span: span),
                             transposeB: try bool(a["transpose_b"], "transpose_b", span: span))
            }
        case .concat:
            return try graphOp(a, span: span) { b, _, ctx in
                guard case .list(let xs) = a["tensors"], !xs.isEmpty else {
                    throw RuntimeError(RuntimeCode.type, "`concat` needs a non-empty list of tensors", at: span)
                }
                let vs = try xs.map { try graphValue($0, ctx, span: span, what: "each element") }
                var axis = try int(a["axis"], "axis", span: span)
                if axis < 0 { axis += vs[0].type.rank }
                return try b.concat(vs, axis: axis)
            }
        case .stop: return try graphOp(a, span: span) { b, t, _ in try b.stopGradient(try t("x")) }
        case .exp: return try graphOp(a, span: span) { b, t, _ in try b.exp(try t("x")) }
        case .log: return try graphOp(a, span: span) { b, t, _ in try b.log(try t("x")) }
        case .sqrt: return try graphOp(a, span: span) { b, t, _ in try b.sqrt(try t("x")) }
        case .abs:
            return try graphOp(a, span: span) { b, t, _ in
                let x = try t("x")
                return try b.maximum(x, try b.neg(x))
            }
        case .pow: return try graphOp(a, span: span) { b, t, _ in try b.pow(try t("x"), Float(try double(a["p"], "p", span: span))) }
        case .cosineSimilarity: return try graphOp(a, span: span) { b, t, _ in try b.cosineSimilarity(try t("a"), try t("b")) }
        case .argmax: return try graphOp(a, span: span) { b, t, _ in try b.argmax(try t("x"), axis: try int(a["axis"], "axis", span: span)) }
        }
    }

    /// `loss` built-ins: graph nodes reducing to a scalar.
    func loss(_ l: LossBuiltin, _ spec: BuiltinSpec, _ a: BoundArguments, span: SourceSpan) throws -> Value {
        let first = a.value(of: spec.params.first?.name ?? "") ?? .none
        if first.isUnknown { return .unknown }
        switch l {
        case .crossEntropy:
            return try graphOp(a, span: span) { b, t, _ in
                let s = try double(a["smoothing"], "smoothing", span: span)
                guard s >= 0 && s < 1 else { throw RuntimeError(RuntimeCode.value, "`smoothing` must be in [0, 1)", at: span) }
                return try b.crossEntropy(try t("logits"), try t("labels"), smoothing: Float(s))
            }
        case .bce: return try graphOp(a, span: span) { b, t, _ in try b.bceWithLogits(try t("logits"), try t("labels")) }
        case .mse: return try graphOp(a, span: span) { b, t, _ in try b.mse(try t("prediction"), try t("target")) }
        case .kl:
            return try graphOp(a, span: span) { b, t, _ in
                let temp = try double(a["temperature"], "temperature", span: span)
                guard temp > 0 else { throw RuntimeError(RuntimeCode.value, "`temperature` must be positive", at: span) }
                return try b.klDistill(student: try t("student"), teacher: try t("teacher"), temperature: Float(temp))
            }
        }
    }

    /// One graph op of a tensor built-in, added to the model being elaborated: `build` gets the
    /// builder, the graph value of a named argument, and the context.
    private func graphOp(_ a: BoundArguments, span: SourceSpan,
                         _ build: (GraphBuilder, (String) throws -> GraphValue, ElaborationContext) throws -> GraphValue) throws -> Value {
        let ctx = try context(span)
        ctx.at(span)
        func t(_ name: String) throws -> GraphValue { try graphValue(a[name], ctx, span: a.span(of: name) ?? span, what: "`\(name)`") }
        return ctx.tensor(try wrapGraph(ctx) { try build(ctx.builder, t, ctx) })
    }
}
