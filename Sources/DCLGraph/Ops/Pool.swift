// max_pool2d and avg_pool2d over NCHW inputs, and their backward primitive pool2d_grad.

import DCLTensor

/// Shared facets of the pooling ops.
protocol PoolPrimitive: Primitive {
    static var kind: PoolKind { get }
    var kernel: [Int] { get }
    var params: Conv2DParams { get }
    init(kernel: [Int], params: Conv2DParams)
}

extension PoolPrimitive {
    public var attributes: [(String, AttributeValue)] {
        [("kernel", .ints(kernel))] + WindowAttributes.encode(params).filter { $0.0 != "groups" }
    }

    public init(attributes: Attributes) throws {
        var a = attributes
        a.values["groups"] = .int(1)
        self.init(kernel: try attributes.ints("kernel"), params: try WindowAttributes.decode(a))
    }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 1...1)
        try expectDType(inputs, 0, .float32)
        guard kernel.count == 2 else { throw typeError("kernel needs two values", inputs) }
        let (n, c, h, w) = try WindowAttributes.spatial(inputs[0], Self.name, inputs)
        let s = try wrapTensorError(Self.name, inputs) {
            try Pooling.outputShape(input: [1, c, h, w], kernel: (kernel[0], kernel[1]), params: params, op: Self.name)
        }
        return [TensorType(.float32, [n, Dim(c), Dim(s[2]), Dim(s[3])])]
    }

    public func execute(_ io: KernelIO) throws {
        Pooling.forward(Self.kind, io.inputs[0].f, inShape: io.inputs[0].shape, io.outputs[0].floats, outShape: io.outputs[0].shape,
                        kernel: (kernel[0], kernel[1]), params: params, pool: io.pool)
    }

    public func vjp(_ c: VJPContext) throws -> [GraphValue?] {
        [try c.builder.apply1(Pool2DGrad(kind: Self.kind, kernel: kernel, params: params), [c.inputs[0], try c.cotangent])]
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(s.count(output: 0), kernel[0], kernel[1])) }
}

/// Max pooling (first maximum wins; honours dilation).
public struct MaxPool2D: PoolPrimitive {
    public static let name = "max_pool2d"
    static let kind = PoolKind.max
    public var kernel: [Int]
    public var params: Conv2DParams
    public init(kernel: [Int], params: Conv2DParams) { self.kernel = kernel; self.params = params }
}

/// Average pooling (divides by the full window, padding included).
public struct AvgPool2D: PoolPrimitive {
    public static let name = "avg_pool2d"
    static let kind = PoolKind.avg
    public var kernel: [Int]
    public var params: Conv2DParams
    public init(kernel: [Int], params: Conv2DParams) { self.kernel = kernel; self.params = params }
}

/// Backward of a pooling op: (x, dy) → dx.
public struct Pool2DGrad: NonDifferentiable {
    public static let name = "pool2d_grad"
    public var kind: PoolKind
    public var kernel: [Int]
    public var params: Conv2DParams
    public init(kind: PoolKind, kernel: [Int], params: Conv2DParams) { self.kind = kind; self.kernel = kernel; self.params = params }

    public var attributes: [(String, AttributeValue)] {
        [("kind", .string(kind.rawValue)), ("kernel", .ints(kernel))] + WindowAttributes.encode(params).filter { $0.0 != "groups" }
    }

    public init(attributes: Attributes) throws {
        guard let k = PoolKind(rawValue: try attributes.string("kind")) else { throw GraphError(op: Self.name, "unknown pool kind") }
        var a = attributes
        a.values["groups"] = .int(1)
        kind = k
        kernel = try attributes.ints("kernel")
        params = try WindowAttributes.decode(a)
    }

    public func inferTypes(_ inputs: [TensorType]) throws -> [TensorType] {
        try expectInputs(inputs, 2...2)
        let fwd: [TensorType] = kind == .max ? try MaxPool2D(kernel: kernel, params: params).inferTypes([inputs[0]])
                                            : try AvgPool2D(kernel: kernel, params: params).inferTypes([inputs[0]])
        guard fwd[0] == inputs[1] else { throw typeError("gradient must be \(fwd[0])", inputs) }
        return [inputs[0]]
    }

    public func execute(_ io: KernelIO) throws {
        Pooling.backward(kind, x: io.inputs[0].f, dy: io.inputs[1].f, dx: io.outputs[0].floats, inShape: io.inputs[0].shape,
                         outShape: io.inputs[1].shape, kernel: (kernel[0], kernel[1]), params: params, pool: io.pool)
    }

    public func cost(_ s: ShapeInfo) -> OpCost { s.cost(flops: saturatingProduct(s.count(input: 1), kernel[0], kernel[1])) }
}

extension GraphBuilder {
    /// Max pooling; `stride` defaults to the kernel size.
    public func maxPool2d(_ x: GraphValue, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          dilation: (Int, Int) = (1, 1), name: String? = nil) throws -> GraphValue {
        let p = Conv2DParams(stride: stride ?? kernel, padding: padding, dilation: dilation)
        return try apply1(MaxPool2D(kernel: [kernel.0, kernel.1], params: p), [x], name: name)
    }

    /// Average pooling; `stride` defaults to the kernel size.
    public func avgPool2d(_ x: GraphValue, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          name: String? = nil) throws -> GraphValue {
        let p = Conv2DParams(stride: stride ?? kernel, padding: padding)
        return try apply1(AvgPool2D(kernel: [kernel.0, kernel.1], params: p), [x], name: name)
    }

    /// Global average pooling: (N, C, H, W) → (N, C).
    public func globalAvgPool(_ x: GraphValue, name: String? = nil) throws -> GraphValue {
        try reduce(.mean, x, axes: [2, 3], name: name)
    }
}
