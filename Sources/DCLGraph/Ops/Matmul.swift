// matmul(a, b[, bias]) {transpose_a, transpose_b, activation}: op(a)·op(b) with numpy batch
// broadcasting, optionally plus a bias along the last axis and an activation, both fused into
// the GEMM epilogue (the fusion pass folds `add` + activation nodes into it).

import DCLTensor

/// Batched matrix product with optional fused bias and activation.
public struct MatMul: Primitive {
    public static let name = "matmul"
    public var transposeA: Bool
    public var transposeB: Bool
    public var activation: Activation

    public init(transposeA: Bool = false, transposeB: Bool = false, activation: Activation = .identity) {
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.activation = activation
    }

    public var attributes: [(String, AttributeValue)] {
        var a: [(String, AttributeValue)] = [("transpose_a", .bool(transposeA)), ("transpose_b", .bool(transposeB))]
        if activation != .identity { a.append(("activation", .string(activation.description))) }
        return a
    }

    public init(attributes: Attributes) throws {
        transposeA = try attributes.bool("transpose_a")
        transposeB = try attributes.bool("transpose_b")
        activation = attributes.values["activation"] == nil ? .identity : try attributes.activation("activation")
    }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...3)
        for i in inputs.indices { try expectDType(inputs, i, .float32) }
        let a = inputs[0].dims, b = inputs[1].dims
        guard a.count >= 2, b.count >= 2 else { throw typeError("operands need rank ≥ 2", inputs) }
        let (m, ka) = transposeA ? (a[a.count - 1], a[a.count - 2]) : (a[a.count - 2], a[a.count - 1])
        let (kb, n) = transposeB ? (b[b.count - 1], b[b.count - 2]) : (b[b.count - 2], b[b.count - 1])
        guard ka == kb else { throw typeError("inner dimensions differ (\(ka) vs \(kb))", inputs) }
        let batch = try broadcastDims(Array(a.dropLast(2)), Array(b.dropLast(2)), op: Self.name)
        if inputs.count == 3 {
            guard inputs[2].dims == [n] else { throw typeError("bias must be [\(n)]", inputs) }
        }
        return [TensorType(.float32, batch + [m, n])]
    }

    public func execute(_ io: KernelIO) throws {
        let a = io.inputs[0], b = io.inputs[1], o = io.outputs[0]
        let bias = io.inputs.count > 2 ? io.inputs[2].f : nil
        Matmul.run(a.f, a.shape, transposeA: transposeA, b.f, b.shape, transposeB: transposeB, o.floats, o.shape,
                   epilogue: GEMMEpilogue(columnBias: bias, activation: activation), pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let bld = c.builder
        let a = c.inputs[0], b = c.inputs[1]
        var gz = try c.cotangent
        if activation != .identity {
            var saved = c.outputs[0]
            if !activation.backwardUsesOutput {
                // The pre-activation was never stored: recompute it.
                saved = try bld.matmul(a, b, transposeA: transposeA, transposeB: transposeB,
                                       bias: c.inputs.count > 2 ? c.inputs[2] : nil)
            }
            gz = try bld.apply1(ActivationGrad(activation: activation), [gz, saved])
        }
        var da: GraphValue?, db: GraphValue?, dbias: GraphValue?
        if c.needsGradient[0] {
            switch (transposeA, transposeB) {
            case (false, false): da = try bld.matmul(gz, b, transposeB: true)
            case (false, true): da = try bld.matmul(gz, b)
            case (true, false): da = try bld.matmul(b, gz, transposeB: true)
            case (true, true): da = try bld.matmul(b, gz, transposeA: true, transposeB: true)
            }
            da = try c.unbroadcast(da!, to: a)
        }
        if c.needsGradient[1] {
            switch (transposeA, transposeB) {
            case (false, false): db = try bld.matmul(a, gz, transposeA: true)
            case (false, true): db = try bld.matmul(gz, a, transposeA: true)
            case (true, false): db = try bld.matmul(a, gz)
            case (true, true): db = try bld.matmul(gz, a, transposeA: true, transposeB: true)
            }
            db = try c.unbroadcast(db!, to: b)
        }
        if c.inputs.count > 2 && c.needsGradient[2] {
            dbias = try bld.reduce(.sum, gz, axes: Array(0..<(gz.type.rank - 1)))
        }
        return c.inputs.count > 2 ? [da, db, dbias] : [da, db]
    }

    public func cost(_ s: ShapeInfo) -> OpCost {
        let a = s.inputs[0]
        let k = transposeA ? a[a.count - 2] : a[a.count - 1]
        let n = s.count(output: 0)
        return s.cost(flops: saturatingSum([saturatingProduct(2, n, k), s.inputs.count > 2 ? n : 0,
                                            saturatingProduct(activationFlops(activation), n)]))
    }
}

extension GraphBuilder {
    /// op(a)·op(b) (+ bias along the last axis), then `activation`.
    public func matmul(_ a: GraphValue, _ b: GraphValue, transposeA: Bool = false, transposeB: Bool = false, bias: GraphValue? = nil,
                       activation: Activation = .identity, name: String? = nil) throws -> GraphValue {
        try apply1(MatMul(transposeA: transposeA, transposeB: transposeB, activation: activation),
                   bias.map { [a, b, $0] } ?? [a, b], name: name)
    }
}
