// The one op table: every primitive is one Swift type that keeps all of its facets together
// (after MLX's `Primitive`): name and attributes (printing/parsing), type inference, the kernel
// call, the gradient (as graph nodes of other primitives) and the cost.
//
// Adding an op = one type conforming to `Primitive`, an entry in `OpRegistry.all`, and a
// gradient test (a test fails if a registered op has none). Export work will add one more
// facet (ONNX lowering) as a further protocol requirement.

import DCLTensor

/// A buffer the executor hands to a kernel: raw memory plus its concrete shape.
public struct TensorRef {
    public var data: UnsafeMutableRawPointer
    public var shape: [Int]
    public var dtype: DType

    public init(data: UnsafeMutableRawPointer, shape: [Int], dtype: DType) {
        self.data = data
        self.shape = shape
        self.dtype = dtype
    }

    public var count: Int { shape.reduce(1, *) }
    public var floats: UnsafeMutablePointer<Float> { data.assumingMemoryBound(to: Float.self) }
    public var ints: UnsafeMutablePointer<Int32> { data.assumingMemoryBound(to: Int32.self) }
    public var f: UnsafePointer<Float> { UnsafePointer(floats) }
}

/// Everything a kernel call needs: input and output buffers (outputs are preallocated and may
/// hold garbage; a kernel must write every element), the thread pool, and the training step
/// (for dropout masks and optimiser bias correction).
public struct KernelIO {
    public var inputs: [TensorRef]
    public var outputs: [TensorRef]
    public var pool: ThreadPool
    /// Number of optimiser updates applied before this run (0-based).
    public var step: Int
    /// Values of the graph's symbols for this run.
    public var bindings: [String: Int]
}

/// FLOPs (a multiply-add counts 2) and bytes moved by one node at concrete shapes.
public struct OpCost: Equatable, Sendable {
    public var flops: Int
    public var bytesRead: Int
    public var bytesWritten: Int

    public init(flops: Int, bytesRead: Int, bytesWritten: Int) {
        self.flops = flops
        self.bytesRead = bytesRead
        self.bytesWritten = bytesWritten
    }
}

/// Concrete shapes of a node's inputs and outputs, for cost functions.
public struct ShapeInfo {
    public var inputs: [[Int]]
    public var outputs: [[Int]]
    public var inputDTypes: [DType]
    public var outputDTypes: [DType]

    func bytes(_ shapes: [[Int]], _ dtypes: [DType]) -> Int {
        // Saturating: costs are estimates and must not trap on an absurd shape.
        saturatingSum(zip(shapes, dtypes).map { saturatingProduct($0.0 + [$0.1.byteSize]) })
    }
    /// Default memory traffic: read every input once, write every output once.
    public var traffic: (read: Int, written: Int) { (bytes(inputs, inputDTypes), bytes(outputs, outputDTypes)) }
    public func count(input i: Int) -> Int { saturatingProduct(inputs[i]) }
    public func count(output i: Int) -> Int { saturatingProduct(outputs[i]) }

    /// A cost with `flops` and the default traffic.
    public func cost(flops: Int) -> OpCost {
        let t = traffic
        return OpCost(flops: flops, bytesRead: t.read, bytesWritten: t.written)
    }
}

/// What a primitive's VJP sees: the builder to emit gradient nodes into, the forward node's
/// inputs and outputs, the cotangents flowing into its outputs (nil where none flows), and
/// which inputs need a gradient.
public struct VJPContext {
    public let builder: GraphBuilder
    public let inputs: [GraphValue]
    public let outputs: [GraphValue]
    public let cotangents: [GraphValue?]
    public let needsGradient: [Bool]

    /// The cotangent of output 0 (every VJP is only called with at least one cotangent).
    public var cotangent: GraphValue {
        get throws {
            guard let c = cotangents[0] else { throw GraphError(op: "autodiff", "no cotangent for output 0") }
            return c
        }
    }

    /// Sums `g` (shaped like a broadcast result) down to the shape of `x`.
    public func unbroadcast(_ g: GraphValue, to x: GraphValue) throws -> GraphValue {
        if g.type.dims == x.type.dims { return g }
        let r = g.type.rank, off = r - x.type.rank
        var axes: [Int] = []
        for i in 0..<r where i < off || (x.type.dims[i - off] == Dim(1) && g.type.dims[i] != Dim(1)) { axes.append(i) }
        var out = g
        // Only leading axes reduced: dropping them gives x's shape directly.
        let onlyLeading = axes.allSatisfy { $0 < off }
        if !axes.isEmpty { out = try builder.reduce(.sum, g, axes: axes, keepDims: !onlyLeading) }
        if out.type.dims != x.type.dims { out = try builder.reshape(out, x.type.dims) }
        return out
    }
}

/// One primitive operation of the graph IR.
public protocol Primitive: Sendable {
    /// The op's name in the registry and in IR text (`matmul`, `conv2d`, …).
    static var name: String { get }

    /// Attributes in print order.
    var attributes: [(String, AttributeValue)] { get }

    /// Rebuilds the primitive from parsed attributes.
    init(attributes: Attributes) throws

    /// Output types from input types, or a `GraphError` naming the op and the input types.
    func inferTypes(_ inputs: [TensorType]) throws -> [TensorType]

    /// Runs the kernel on concrete buffers.
    func execute(_ io: KernelIO) throws

    /// Gradients with respect to the inputs (nil where none is needed or defined), built from
    /// other primitives through `ctx.builder`.
    func vjp(_ ctx: VJPContext) throws -> [GraphValue?]

    /// FLOPs and bytes at concrete shapes.
    func cost(_ shapes: ShapeInfo) -> OpCost

    /// Whether a gradient can flow to input `i` (default: float inputs).
    func isDifferentiable(input i: Int, types: [TensorType]) -> Bool

    /// The input whose buffer output 0 may share as a view (same bytes, different shape):
    /// `reshape`, `stop_gradient`. Default nil.
    var viewInput: Int? { get }

    /// For output `k`, inputs whose buffer the kernel may write the output into, in order of
    /// preference. The executor uses one only if that input has exactly the output's concrete
    /// shape and is dead after this node. Default none.
    func inPlaceCandidates(forOutput k: Int) -> [Int]

    /// False for ops that must not be constant-folded (random or step-dependent). Default true.
    var isFoldable: Bool { get }
}

extension Primitive {
    public func isDifferentiable(input i: Int, types: [TensorType]) -> Bool { types[i].dtype == .float32 }
    public var viewInput: Int? { nil }
    public func inPlaceCandidates(forOutput k: Int) -> [Int] { [] }
    public var isFoldable: Bool { true }
    public func cost(_ shapes: ShapeInfo) -> OpCost { shapes.cost(flops: 0) }

    /// The registry name of this instance's type.
    public var opName: String { Self.name }

    /// A `GraphError` for this op mentioning the given input types.
    func typeError(_ message: String, _ inputs: [TensorType]) -> GraphError {
        GraphError(op: Self.name, "\(message) (inputs: \(formatTypes(inputs)))")
    }

    /// Checks the input count.
    func expectInputs(_ inputs: [TensorType], _ counts: ClosedRange<Int>) throws {
        guard counts.contains(inputs.count) else {
            let want = counts.lowerBound == counts.upperBound ? "\(counts.lowerBound)" : "\(counts.lowerBound)–\(counts.upperBound)"
            throw typeError("expects \(want) inputs, got \(inputs.count)", inputs)
        }
    }

    /// Checks that input `i` has dtype `dtype`.
    func expectDType(_ inputs: [TensorType], _ i: Int, _ dtype: DType) throws {
        guard inputs[i].dtype == dtype else {
            throw typeError("input \(i) must be \(dtype.rawValue), got \(inputs[i].dtype.rawValue)", inputs)
        }
    }
}

/// Primitives whose gradients are intentionally not defined (selection, comparison,
/// gradient kernels themselves). Their VJP throws if ever reached; autodiff never asks, since
/// `isDifferentiable` is false for all of their inputs.
protocol NonDifferentiable: Primitive {}

extension NonDifferentiable {
    public func isDifferentiable(input i: Int, types: [TensorType]) -> Bool { false }
    public func vjp(_ ctx: VJPContext) throws -> [GraphValue?] {
        throw GraphError(op: Self.name, "has no gradient")
    }
}
