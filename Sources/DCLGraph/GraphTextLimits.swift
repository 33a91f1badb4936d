// Bounds on the numbers graph text may carry. Graph text comes from bundles, which come from
// anywhere: the parser refuses a number outside these bounds with an error naming the line, so
// no value id, dimension or attribute from a file can reach the arithmetic of the graph, the
// shape rules or the kernels big enough to overflow an `Int` (which traps) or to size an
// absurd allocation. The bounds are far above anything a real model uses.

/// The bounds `GraphParser` enforces.
public enum GraphTextLimits {
    /// Largest value id (`%N`): ids stay well inside `Int32`, so `id + 1` never overflows.
    public static let maxValueID = Int(Int32.max) - 1
    /// Largest dimension, and largest coefficient of a symbolic dimension (2^40).
    public static let maxDimension = 1 << 40
    /// Most terms in a symbolic dimension (`4*N+16` has two) and symbols in one term.
    public static let maxDimensionTerms = 8
    public static let maxTermDegree = 4
    /// Longest symbol name.
    public static let maxSymbolLength = 64
    /// Most dimensions in a type or a shape attribute.
    public static let maxRank = 32
    /// Largest stride, padding, dilation, kernel size or group count (2^20): a window can
    /// never make `size + 2 * padding` or `dilation * (kernel - 1)` overflow.
    public static let maxWindow = 1 << 20
    /// Largest absolute value of any other integer attribute (2^40).
    public static let maxInteger = 1 << 40
    /// Longest list attribute.
    public static let maxListLength = 1 << 16
    /// Longest string attribute. Some are parsed recursively (a learning-rate schedule nests
    /// `warmup(…, warmup(…))`), so their length bounds the recursion depth.
    public static let maxStringLength = 4096

    /// Attributes that describe a convolution or pooling window: each value in 0…maxWindow.
    static let windowKeys: Set<String> = ["stride", "padding", "dilation", "kernel", "groups"]
    /// Attributes that name axes: each value in -maxRank…maxRank.
    static let axisKeys: Set<String> = ["axis", "axes", "perm"]
    /// Attributes that are sizes or offsets: each value in 0…maxDimension.
    static let sizeKeys: Set<String> = ["shape", "input_shape", "weight_shape", "rows", "size", "total", "dim", "start", "k"]
    /// Attributes that are random seeds (any 64-bit value).
    static let unboundedKeys: Set<String> = ["seed"]

    /// Checks attribute `key`'s value; returns a message for the parse error if it is out of
    /// range.
    static func check(_ key: String, _ value: AttributeValue) -> String? {
        if unboundedKeys.contains(key) { return nil }
        let (lo, hi): (Int, Int)
        if windowKeys.contains(key) {
            (lo, hi) = (0, maxWindow)
        } else if axisKeys.contains(key) {
            (lo, hi) = (-maxRank, maxRank)
        } else if sizeKeys.contains(key) {
            (lo, hi) = (0, maxDimension)
        } else {
            (lo, hi) = (-maxInteger, maxInteger)
        }
        func inRange(_ v: Int) -> Bool { v >= lo && v <= hi }
        switch value {
        case .int(let v):
            return inRange(v) ? nil : "attribute '\(key)' is \(v), outside \(lo)…\(hi)"
        case .ints(let vs):
            guard vs.count <= maxListLength else { return "attribute '\(key)' has \(vs.count) items, more than \(maxListLength)" }
            if let bad = vs.first(where: { !inRange($0) }) { return "attribute '\(key)' holds \(bad), outside \(lo)…\(hi)" }
            return nil
        case .floats(let vs):
            return vs.count <= maxListLength ? nil : "attribute '\(key)' has \(vs.count) items, more than \(maxListLength)"
        case .dims(let ds):
            // Dimension lists passed the dimension parser, which bounds each coefficient.
            guard ds.count <= maxRank else { return "attribute '\(key)' has \(ds.count) dimensions, more than \(maxRank)" }
            if let bad = ds.compactMap(\.constant).first(where: { !inRange($0) }) { return "attribute '\(key)' holds \(bad), outside \(lo)…\(hi)" }
            return nil
        case .string(let text):
            return text.utf8.count <= maxStringLength ? nil : "attribute '\(key)' is a string of \(text.utf8.count) bytes, more than \(maxStringLength)"
        case .float, .bool:
            return nil
        }
    }
}
