// Pointwise activations and their derivatives.
//
// GELU is the tanh approximation (Hendrycks & Gimpel; PyTorch's `gelu(approximate="tanh")`):
//   gelu(x) = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
// Each backward reads whichever forward tensor it needs: ReLU, sigmoid and tanh read the output
// y (so a fused GEMM epilogue that never materialises the pre-activation still has what the
// gradient needs); leaky ReLU and GELU read the input x.

/// A pointwise activation function.
public enum Activation: Equatable, Hashable, Sendable, CustomStringConvertible {
    case identity
    case relu
    case leakyRelu(slope: Float)
    case gelu
    case sigmoid
    case tanh

    /// The cost family of one element of the forward or backward kernel.
    var family: KernelFamily {
        switch self {
        case .identity, .relu, .leakyRelu: return .elementwise
        case .gelu, .sigmoid, .tanh: return .transcendental
        }
    }

    /// True if the derivative is computed from the output y rather than the input x.
    public var backwardUsesOutput: Bool {
        switch self {
        case .identity, .relu, .sigmoid, .tanh: return true
        case .leakyRelu, .gelu: return false
        }
    }

    /// The name used in IR text and reports (`relu`, `leaky_relu(0.01)`, …).
    public var description: String {
        switch self {
        case .identity: return "identity"
        case .relu: return "relu"
        case .leakyRelu(let s): return "leaky_relu(\(s))"
        case .gelu: return "gelu"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        }
    }

    /// Parses `description` back.
    public init?(parsing text: String) {
        switch text {
        case "identity": self = .identity
        case "relu": self = .relu
        case "gelu": self = .gelu
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        default:
            guard text.hasPrefix("leaky_relu("), text.hasSuffix(")"),
                  let s = Float(text.dropFirst("leaky_relu(".count).dropLast()) else { return nil }
            self = .leakyRelu(slope: s)
        }
    }
}

/// Activation kernels on raw buffers. Large buffers are split over the pool by the driver;
/// each element's result is independent of the split.
public enum Activations {
    /// `y = f(x)` for `count` elements (`y` may alias `x`).
    public static func forward(_ act: Activation, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                               _ count: Int, pool: ThreadPool = .shared) {
        chunked(count, act.family, pool) { lo, n in forwardSerial(act, x + lo, y + lo, n) }
    }

    /// `x = f(x)` in place, serially (GEMM epilogues call this per tile row).
    @inline(__always)
    public static func forwardInPlace(_ act: Activation, _ x: UnsafeMutablePointer<Float>, _ count: Int) {
        forwardSerial(act, x, x, count)
    }

    /// `dx = dy · f'(·)` where `saved` is y if `act.backwardUsesOutput`, else x.
    /// `dx` may alias `dy`.
    public static func backward(_ act: Activation, dy: UnsafePointer<Float>, saved: UnsafePointer<Float>,
                                dx: UnsafeMutablePointer<Float>, _ count: Int, pool: ThreadPool = .shared) {
        chunked(count, act.family, pool) { lo, n in backwardSerial(act, dy + lo, saved + lo, dx + lo, n) }
    }

    /// Runs `body(start, count)` over ranges covering `0..<count` (on 16-element boundaries, so
    /// 16-lane loops see whole vectors), each element costing `cost` units of `family`, in
    /// parallel when that pays. For pointwise kernels: no element's result depends on the split.
    static func chunked(_ count: Int, _ family: KernelFamily, cost: Int = 1, _ pool: ThreadPool,
                        _ body: (Int, Int) -> Void) {
        pool.parallelRanges(count, costPerItem: cost, family: family, alignment: 16) { r in
            body(r.lowerBound, r.count)
        }
    }

    static let geluC: Float = 0.7978845608028654  // √(2/π)
    static let geluA: Float = 0.044715

    @inline(__always)
    static func forwardSerial(_ act: Activation, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        switch act {
        case .identity:
            if UnsafePointer(y) != x { y.update(from: x, count: n) }
        case .relu:
            mapVectors(x, y, n) { $0.replacing(with: 0, where: $0 .< 0) }
        case .leakyRelu(let s):
            mapVectors(x, y, n) { v in v.replacing(with: v * splat(s), where: v .< 0) }
        case .gelu:
            mapVectors(x, y, n) { v in
                let u = splat(geluC) * (v + splat(geluA) * v * v * v)
                return splat(0.5) * v * (splat(1) + vtanh(u))
            }
        case .sigmoid:
            mapVectors(x, y, n, vsigmoid)
        case .tanh:
            mapVectors(x, y, n, vtanh)
        }
    }

    @inline(__always)
    static func backwardSerial(_ act: Activation, _ dy: UnsafePointer<Float>, _ s: UnsafePointer<Float>,
                               _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        switch act {
        case .identity:
            if UnsafePointer(dx) != dy { dx.update(from: dy, count: n) }
        case .relu:
            mapVectors2(dy, s, dx, n) { g, y in g.replacing(with: 0, where: y .<= 0) }
        case .leakyRelu(let slope):
            mapVectors2(dy, s, dx, n) { g, x in g.replacing(with: g * splat(slope), where: x .<= 0) }
        case .gelu:
            mapVectors2(dy, s, dx, n) { g, x in
                let x2 = x * x
                let t = vtanh(splat(geluC) * (x + splat(geluA) * x2 * x))
                let du = splat(geluC) * (splat(1) + splat(3 * geluA) * x2)
                let d = splat(0.5) * (splat(1) + t) + splat(0.5) * x * (splat(1) - t * t) * du
                return g * d
            }
        case .sigmoid:
            mapVectors2(dy, s, dx, n) { g, y in g * y * (splat(1) - y) }
        case .tanh:
            mapVectors2(dy, s, dx, n) { g, y in g * (splat(1) - y * y) }
        }
    }
}
