// ICIIA's partitioned (block-diagonal) linear layer, and the no-gradient selection utilities:
// cosine similarity matrix, top-k and arg-max.

import DCLTensor

/// x (…, in) times a block-diagonal weight w (P, out/P, in/P) → (…, out). Gradients are built
/// from transpose/reshape/matmul and this op itself, so it needs no backward kernels.
public struct PartitionedLinearOp: Primitive {
    public static let name = "partitioned_linear"
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        try expectDType(inputs, 0, .float32)
        try expectDType(inputs, 1, .float32)
        guard let w = inputs[1].constantShape, w.count == 3, let i = inputs[0].dims.last, i == Dim(w[0] * w[2]) else {
            throw typeError("weight must be (P, out/P, in/P) with P·in/P equal to the input's last axis", inputs)
        }
        return [TensorType(.float32, inputs[0].dims.dropLast() + [Dim(w[0] * w[1])])]
    }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0], w = io.inputs[1]
        let inF = x.shape.last!, rows = x.count / max(1, inF)
        PartitionedLinear.forward(x.f, rows: rows, inFeatures: inF, w.f, blocks: w.shape[0], outFeatures: w.shape[0] * w.shape[1],
                                  io.outputs[0].floats, pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let b = c.builder, x = c.inputs[0], w = c.inputs[1], g = try c.cotangent
        let ws = w.type.constantShape!
        let (p, o, i) = (ws[0], ws[1], ws[2])
        var dx: GraphValue?, dw: GraphValue?
        if c.needsGradient[0] {
            dx = try b.partitionedLinear(g, try b.transpose(w, [0, 2, 1]))
        }
        if c.needsGradient[1] {
            dw = try b.apply1(PartitionedLinearGradWeight(weightShape: [p, o, i]), [x, g])
        }
        return [dx, dw]
    }

    public func cost(_ s: ShapeInfo) -> OpCost {
        let w = s.inputs[1]
        return s.cost(flops: saturatingProduct(2, s.count(output: 0), w[2]))
    }
}

/// The weight gradient of `partitioned_linear`: dW[p] = dy_pᵀ · x_p from x (…, in) and dy
/// (…, out), read in place — it replaced two transposed copies of the activations and a batched
/// matmul per layer and step, with bit-identical results (one GEMM per block either way).
public struct PartitionedLinearGradWeight: NonDifferentiable {
    public static let name = "partitioned_linear_grad_weight"
    public var weightShape: [Int]
    public init(weightShape: [Int]) { self.weightShape = weightShape }
    public var attributes: [(String, AttributeValue)] { [("weight_shape", .ints(weightShape))] }
    public init(attributes: Attributes) throws { weightShape = try attributes.ints("weight_shape") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        try expectDType(inputs, 0, .float32)
        try expectDType(inputs, 1, .float32)
        guard weightShape.count == 3, weightShape.allSatisfy({ $0 > 0 }) else {
            throw typeError("weight_shape must be (P, out/P, in/P) with positive sizes", inputs)
        }
        let out = try PartitionedLinearOp().inferTypes([inputs[0], .f32(weightShape)])[0]
        guard out == inputs[1] else { throw typeError("gradient must be \(out)", inputs) }
        return [.f32(weightShape)]
    }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0], (p, o, i) = (weightShape[0], weightShape[1], weightShape[2])
        let inF = p * i, rows = x.count / max(1, inF)
        PartitionedLinear.backwardWeight(x.f, io.inputs[1].f, rows: rows, inFeatures: inF, outFeatures: p * o, blocks: p,
                                         io.outputs[0].floats, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost {
        let w = weightShape
        return s.cost(flops: saturatingProduct(2, s.count(input: 1), w[2]))
    }
}

/// Cosine similarities of the rows of a (n, d) and b (m, d): (n, m).
public struct CosineSimilarity: NonDifferentiable {
    public static let name = "cosine_similarity"
    public init() {}
    public var attributes: [(String, AttributeValue)] { [] }
    public init(attributes: Attributes) throws {}

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        guard inputs[0].rank == 2, inputs[1].rank == 2, inputs[0].dims[1] == inputs[1].dims[1],
              inputs[0].dtype == .float32, inputs[1].dtype == .float32 else { throw typeError("operands must be (n, d) and (m, d)", inputs) }
        return [TensorType(.float32, [inputs[0].dims[0], inputs[1].dims[0]])]
    }

    public func execute(_ io: KernelIO) throws {
        let a = io.inputs[0], b = io.inputs[1]
        Similarity.cosineMatrix(a.f, n: a.shape[0], b.f, m: b.shape[0], d: a.shape[1], io.outputs[0].floats, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(2, s.count(output: 0), s.inputs[0][1])) }
}

/// The k largest values along the last axis and their int32 indices (descending; ties → lower index).
public struct TopK: NonDifferentiable {
    public static let name = "top_k"
    public var k: Int
    public init(k: Int) { self.k = k }
    public var attributes: [(String, AttributeValue)] { [("k", .int(k))] }
    public init(attributes: Attributes) throws { k = try attributes.int("k") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        try expectDType(inputs, 0, .float32)
        guard let n = inputs[0].dims.last else { throw typeError("input must have rank ≥ 1", inputs) }
        if let c = n.constant { guard k >= 0, k <= c else { throw typeError("k = \(k) exceeds the last axis", inputs) } }
        let dims = Array(inputs[0].dims.dropLast()) + [Dim(k)]
        return [TensorType(.float32, dims), TensorType(.int32, dims)]
    }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0], n = x.shape.last!
        guard k <= n else { throw GraphError(op: Self.name, "k = \(k) exceeds the last axis of \(formatShape(x.shape))") }
        Similarity.topK(x.f, rows: x.count / max(1, n), n: n, k: k, values: io.outputs[0].floats, indices: io.outputs[1].ints)
    }
}

/// Index (int32) of the maximum along `axis` (first on ties).
public struct ArgMax: NonDifferentiable {
    public static let name = "argmax"
    public var axis: Int
    public init(axis: Int) { self.axis = axis }
    public var attributes: [(String, AttributeValue)] { [("axis", .int(axis))] }
    public init(attributes: Attributes) throws { axis = try attributes.int("axis") }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        try expectDType(inputs, 0, .float32)
        guard axis >= 0, axis < inputs[0].rank else { throw typeError("axis \(axis) is out of range", inputs) }
        var dims = inputs[0].dims
        dims.remove(at: axis)
        return [TensorType(.int32, dims)]
    }

    public func execute(_ io: KernelIO) throws {
        Similarity.argmax(io.inputs[0].f, shape: io.inputs[0].shape, axis: axis, io.outputs[0].ints)
    }
}

extension GraphBuilder {
    /// ICIIA partitioned linear: x (…, in) with weight (P, out/P, in/P).
    public func partitionedLinear(_ x: GraphValue, _ w: GraphValue, name: String? = nil) throws -> GraphValue {
        try apply1(PartitionedLinearOp(), [x, w], name: name)
    }
    public func cosineSimilarity(_ a: GraphValue, _ b: GraphValue, name: String? = nil) throws -> GraphValue {
        try apply1(CosineSimilarity(), [a, b], name: name)
    }
    public func topK(_ x: GraphValue, k: Int, name: String? = nil) throws -> (values: GraphValue, indices: GraphValue) {
        let r = try apply(TopK(k: k), [x], name: name)
        return (r[0], r[1])
    }
    public func argmax(_ x: GraphValue, axis: Int = -1, name: String? = nil) throws -> GraphValue {
        try apply1(ArgMax(axis: axis < 0 ? axis + x.type.rank : axis), [x], name: name)
    }
}
