// conv2d (NCHW, optional fused bias and activation) and its two backward primitives.
// Spatial dimensions must be constants; the batch dimension may be symbolic.

import DCLTensor

/// Geometry attributes shared by conv and pooling primitives.
struct WindowAttributes {
    static func encode(_ p: Conv2DParams) -> [(String, AttributeValue)] {
        [("stride", .ints([p.strideH, p.strideW])), ("padding", .ints([p.padH, p.padW])),
         ("dilation", .ints([p.dilationH, p.dilationW])), ("groups", .int(p.groups))]
    }

    static func decode(_ a: Attributes) throws -> Conv2DParams {
        let s = try a.ints("stride"), p = try a.ints("padding"), d = try a.ints("dilation")
        guard s.count == 2, p.count == 2, d.count == 2 else { throw GraphError(op: a.op, "stride, padding and dilation need two values") }
        return Conv2DParams(stride: (s[0], s[1]), padding: (p[0], p[1]), dilation: (d[0], d[1]), groups: try a.int("groups"))
    }

    /// Checks an NCHW input with constant C, H, W and returns them.
    static func spatial(_ t: TensorType, _ op: String, _ inputs: [TensorType]) throws -> (Dim, Int, Int, Int) {
        guard t.rank == 4, let c = t.dims[1].constant, let h = t.dims[2].constant, let w = t.dims[3].constant else {
            throw GraphError(op: op, "input must be (N, C, H, W) with constant C, H, W (inputs: \(formatTypes(inputs)))")
        }
        return (t.dims[0], c, h, w)
    }
}

func wrapTensorError<T>(_ op: String, _ inputs: [TensorType], _ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as TensorError {
        throw GraphError(op: op, "\(e.message) (inputs: \(formatTypes(inputs)))")
    }
}

/// 2-D convolution: x (N, C, H, W), w (Cout, C/groups, kh, kw), optional bias (Cout).
public struct Conv2DOp: Primitive {
    public static let name = "conv2d"
    public var params: Conv2DParams
    public var activation: Activation

    public init(params: Conv2DParams = Conv2DParams(), activation: Activation = .identity) {
        self.params = params
        self.activation = activation
    }

    public var attributes: [(String, AttributeValue)] {
        var a = WindowAttributes.encode(params)
        if activation != .identity { a.append(("activation", .string(activation.description))) }
        return a
    }

    public init(attributes: Attributes) throws {
        params = try WindowAttributes.decode(attributes)
        activation = attributes.values["activation"] == nil ? .identity : try attributes.activation("activation")
    }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...3)
        for i in inputs.indices { try expectDType(inputs, i, .float32) }
        let (n, c, h, w) = try WindowAttributes.spatial(inputs[0], Self.name, inputs)
        guard let ws = inputs[1].constantShape else { throw typeError("weight must have a constant shape", inputs) }
        let s = try wrapTensorError(Self.name, inputs) { try Conv2D.plan(input: [1, c, h, w], weight: ws, params: params) }
        if inputs.count == 3 { guard inputs[2].dims == [Dim(s.cout)] else { throw typeError("bias must be [\(s.cout)]", inputs) } }
        return [TensorType(.float32, [n, Dim(s.cout), Dim(s.oh), Dim(s.ow)])]
    }

    public func execute(_ io: KernelIO) throws {
        let x = io.inputs[0], w = io.inputs[1]
        let s = try Conv2D.plan(input: x.shape, weight: w.shape, params: params)
        Conv2D.forward(x.f, w.f, bias: io.inputs.count > 2 ? io.inputs[2].f : nil, io.outputs[0].floats, s,
                       activation: activation, pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        let b = c.builder, x = c.inputs[0], w = c.inputs[1]
        var gz = try c.cotangent
        if activation != .identity {
            var saved = c.outputs[0]
            if !activation.backwardUsesOutput {
                saved = try b.conv2d(x, w, bias: c.inputs.count > 2 ? c.inputs[2] : nil, params: params)
            }
            gz = try b.apply1(ActivationGrad(activation: activation), [gz, saved])
        }
        let dx = c.needsGradient[0] ? try b.apply1(Conv2DGradInput(params: params, inputShape: x.type.dims), [gz, w]) : nil
        let dw = c.needsGradient[1] ? try b.apply1(Conv2DGradWeight(params: params, weightShape: w.type.constantShape!), [x, gz]) : nil
        var out = [dx, dw]
        if c.inputs.count > 2 { out.append(c.needsGradient[2] ? try b.reduce(.sum, gz, axes: [0, 2, 3]) : nil) }
        return out
    }

    public func cost(_ s: ShapeInfo) -> OpCost {
        let w = s.inputs[1]
        let n = s.count(output: 0)
        return s.cost(flops: saturatingSum([saturatingProduct(2, n, w[1], w[2], w[3]), s.inputs.count > 2 ? n : 0,
                                            saturatingProduct(activationFlops(activation), n)]))
    }
}

/// Gradient of conv2d with respect to its input: (dy, w) → dx of `inputShape`.
public struct Conv2DGradInput: NonDifferentiable {
    public static let name = "conv2d_grad_input"
    public var params: Conv2DParams
    public var inputShape: [Dim]
    public init(params: Conv2DParams, inputShape: [Dim]) { self.params = params; self.inputShape = inputShape }
    public var attributes: [(String, AttributeValue)] { WindowAttributes.encode(params) + [("input_shape", .dims(inputShape))] }
    public init(attributes: Attributes) throws {
        params = try WindowAttributes.decode(attributes)
        inputShape = try attributes.dims("input_shape")
    }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        let out = try Conv2DOp(params: params).inferTypes([TensorType(.float32, inputShape), inputs[1]])[0]
        guard out == inputs[0] else { throw typeError("gradient must be \(out)", inputs) }
        return [TensorType(.float32, inputShape)]
    }

    public func execute(_ io: KernelIO) throws {
        let s = try Conv2D.plan(input: io.outputs[0].shape, weight: io.inputs[1].shape, params: params)
        Conv2D.backwardInput(io.inputs[0].f, io.inputs[1].f, io.outputs[0].floats, s, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost {
        let w = s.inputs[1]
        return s.cost(flops: saturatingProduct(2, s.count(input: 0), w[1], w[2], w[3]))
    }
}

/// Gradient of conv2d with respect to its weight: (x, dy) → dw of `weightShape`.
public struct Conv2DGradWeight: NonDifferentiable {
    public static let name = "conv2d_grad_weight"
    public var params: Conv2DParams
    public var weightShape: [Int]
    public init(params: Conv2DParams, weightShape: [Int]) { self.params = params; self.weightShape = weightShape }
    public var attributes: [(String, AttributeValue)] { WindowAttributes.encode(params) + [("weight_shape", .ints(weightShape))] }
    public init(attributes: Attributes) throws {
        params = try WindowAttributes.decode(attributes)
        weightShape = try attributes.ints("weight_shape")
    }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        let out = try Conv2DOp(params: params).inferTypes([inputs[0], .f32(weightShape)])[0]
        guard out == inputs[1] else { throw typeError("gradient must be \(out)", inputs) }
        return [.f32(weightShape)]
    }

    public func execute(_ io: KernelIO) throws {
        let s = try Conv2D.plan(input: io.inputs[0].shape, weight: weightShape, params: params)
        Conv2D.backwardWeight(io.inputs[0].f, io.inputs[1].f, io.outputs[0].floats, s, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost {
        let w = weightShape
        return s.cost(flops: saturatingProduct(2, s.count(input: 1), w[1], w[2], w[3]))
    }
}

extension GraphBuilder {
    /// 2-D convolution with optional bias and fused activation.
    public func conv2d(_ x: GraphValue, _ w: GraphValue, bias: GraphValue? = nil, params: Conv2DParams = Conv2DParams(),
                       activation: Activation = .identity, name: String? = nil) throws -> GraphValue {
        try apply1(Conv2DOp(params: params, activation: activation), bias.map { [x, w, $0] } ?? [x, w], name: name)
    }
}
