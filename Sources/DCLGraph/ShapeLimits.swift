// The size rules every graph value obeys, checked where values enter a graph (GraphBuilder's
// `input`, `parameter` and `apply`), so the op table's shape rules stay simple: a rule may do
// plain `Dim` arithmetic (which turns overflow into `Dim.overflow`, see Dim.swift) and this check
// rejects the result before anything sizes a buffer from it.
//
// A value's dimensions may mention symbols (the batch `N`); its size is judged per sample, with
// every symbol at 1, against `ResourceLimits.current.maxTensorBytes` — so `dcl check` refuses a
// layer whose activation cannot fit even for one sample. The executor checks the full size
// again once the batch is known (`elementCount` in ExecutionPlan).

import DCLTensor

public enum ShapeLimits {
    /// The largest element count of one tensor whatever the byte cap is set to (2^40), so
    /// products of two counts (FLOPs of a matmul, bytes of a batch) stay far from 64-bit overflow.
    public static let maxElements = 1 << 40

    /// Throws unless `t` has no overflowed or negative constant dimension and its per-sample
    /// size fits the caps. `what` names the value in the message (`the output of conv2d`); it
    /// is built only when a message is (every parameter and node passes here).
    public static func check(_ t: TensorType, op: String, what whatText: @autoclosure () -> String) throws {
        var what: String { whatText() }
        if t.dims.contains(where: \.isOverflow) {
            throw GraphError(op: op, "\(what) has a dimension too large to represent (\(t))")
        }
        if let d = t.dims.first(where: { ($0.constant ?? 0) < 0 }) {
            throw GraphError(op: op, "\(what) has a negative dimension \(d) (\(t))")
        }
        var perSample: String { t.dims.contains { !$0.isConstant } ? " per sample" : "" }
        var elements = 1
        for d in t.dims {
            // Symbols (the batch) count as 1: the cap is per sample.
            guard let v = d.valueWithSymbolsAtOne else {
                throw GraphError(op: op, "\(what) has a dimension too large to represent (\(t))")
            }
            let (p, o) = elements.multipliedReportingOverflow(by: max(v, 0))
            guard !o, p <= maxElements else {
                throw GraphError(op: op, "\(what) is too large: \(t) has more than \(maxElements) elements\(perSample)")
            }
            elements = p
        }
        let bytes = elements * t.dtype.byteSize
        let limit = ResourceLimits.current.maxTensorBytes
        guard bytes <= limit else {
            throw GraphError(op: op, "\(what) is too large: \(t) needs \(ResourceLimits.describe(bytes: bytes))\(perSample), over the limit of \(ResourceLimits.describe(bytes: limit)) (DCL_MAX_TENSOR_BYTES)")
        }
    }
}

/// Saturating arithmetic for cost estimates (FLOPs, bytes): a count too large for 64 bits is
/// reported as `Int.max` rather than trapping; such a model is far over any budget anyway.
public func saturatingProduct(_ factors: Int...) -> Int { saturatingProduct(factors) }

public func saturatingProduct<S: Sequence>(_ factors: S) -> Int where S.Element == Int {
    var p = 1
    for f in factors {
        let (r, o) = p.multipliedReportingOverflow(by: f)
        if o { return (p < 0) != (f < 0) ? .min : .max }
        p = r
    }
    return p
}

public func saturatingSum<S: Sequence>(_ terms: S) -> Int where S.Element == Int {
    var s = 0
    for t in terms {
        let (r, o) = s.addingReportingOverflow(t)
        if o { return t < 0 ? .min : .max }
        s = r
    }
    return s
}
