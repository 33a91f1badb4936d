// Value types of the graph IR and the error every graph stage throws.

import DCLTensor

/// The static type of a graph value: element type and (possibly symbolic) dimensions.
public struct TensorType: Hashable, Sendable, CustomStringConvertible {
    public var dtype: DType
    public var dims: [Dim]

    public init(_ dtype: DType, _ dims: [Dim]) {
        self.dtype = dtype
        self.dims = dims
    }

    /// A float32 type with constant dimensions.
    public static func f32(_ shape: [Int]) -> TensorType { TensorType(.float32, shape.map { Dim($0) }) }
    /// An int32 type with constant dimensions.
    public static func i32(_ shape: [Int]) -> TensorType { TensorType(.int32, shape.map { Dim($0) }) }
    /// A float32 scalar.
    public static let scalar = TensorType(.float32, [])

    public var rank: Int { dims.count }

    /// Constant dimensions, if none is symbolic.
    public var constantShape: [Int]? {
        var out: [Int] = []
        out.reserveCapacity(dims.count)
        for d in dims { guard let c = d.constant else { return nil }; out.append(c) }
        return out
    }

    /// Concrete shape under symbol bindings.
    public func shape(_ bindings: [String: Int]) throws -> [Int] {
        try dims.map { try $0.evaluate(bindings) }
    }

    /// The product of all dimensions.
    public var elementCount: Dim { dims.reduce(Dim(1), *) }

    /// True for a rank-0 tensor or one whose dimensions are all the constant 1.
    public var isScalarLike: Bool { dims.allSatisfy { $0.constant == 1 } }

    /// `f32[N,784]`.
    public var description: String { dtype.rawValue + formatDims(dims) }
}

/// An error from building, transforming, planning or running a graph. `op` names the operation
/// (or stage); `node` and `origin` locate it when it comes from a node, so the compiler can map
/// it back to a source span.
public struct GraphError: Error, CustomStringConvertible, Equatable, Sendable {
    public var op: String
    public var message: String
    public var node: String?
    public var origin: Int?

    public init(op: String, _ message: String, node: String? = nil, origin: Int? = nil) {
        self.op = op
        self.message = message
        self.node = node
        self.origin = origin
    }

    public var description: String {
        var s = "\(op): \(message)"
        if let node { s += " (node '\(node)'" + (origin.map { ", origin \($0)" } ?? "") + ")" }
        return s
    }
}

/// `f32[N,784], f32[784,256]` for messages.
func formatTypes(_ types: [TensorType]) -> String {
    types.map(\.description).joined(separator: ", ")
}

/// Numpy broadcasting of symbolic dims; symbols broadcast only against themselves or 1.
func broadcastDims(_ a: [Dim], _ b: [Dim], op: String) throws -> [Dim] {
    let r = max(a.count, b.count)
    var out: [Dim] = []
    for i in 0..<r {
        let da = i < r - a.count ? Dim(1) : a[i - (r - a.count)]
        let db = i < r - b.count ? Dim(1) : b[i - (r - b.count)]
        if da == db || db == Dim(1) { out.append(da) } else if da == Dim(1) { out.append(db) } else {
            throw GraphError(op: op, "shapes \(formatDims(a)) and \(formatDims(b)) do not broadcast")
        }
    }
    return out
}
