// Transforms that rewrite values: scale, normalize, one-hot. Each is a pure function returning a
// new data set (the input is untouched; tensors are copy-on-write) and appends itself to
// `source`, so a message about the result can say how it was made.

import DCLTensor

/// Per-channel (or global) mean and standard deviation for `normalized(_:column:)`.
public struct Normalization: Sendable, Equatable {
    /// One value (global) or one per channel.
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }
}

extension Dataset {
    /// Multiplies every value of a Float32 column (default `x`) by `factor`.
    public func scaled(by factor: Float, column: String = "x") throws -> Dataset {
        guard factor.isFinite else { throw DataError.argument("scale", "expected a finite factor, found \(factor)") }
        if let deferred = try baseColumn(column).scaled(by: factor) {
            // A byte column keeps its bytes and applies the factor when rows are gathered.
            var d = replacingStoredColumn(column, with: deferred).transformingPadding(column, channels: 1) { v, _ in v * factor }
            d.source += " |> scale(\(factor))"
            return d
        }
        let src = try floatColumn(column, op: "scale")
        // Write into fresh storage rather than copy-then-scale: one pass over memory, not two.
        let storage = TensorStorage(byteCount: src.byteCount)
        let out = storage.bytes.bindMemory(to: Float.self, capacity: src.count)
        src.withFloats { v in for i in 0..<v.count { out[i] = v[i] * factor } }
        var d = try settingColumn(column, try Tensor(shape: src.shape, dtype: .float32, storage: storage))
            .transformingPadding(column, channels: 1) { v, _ in v * factor }
        d.source += " |> scale(\(factor))"
        return d
    }

    /// Statistics of a Float32 column: per channel (axis 1 of `[N, C, …]`, or each feature of
    /// `[N, F]`) or over all values. The standard deviation is the population one; a constant
    /// channel gets std 1 so normalising it cannot divide by zero.
    public func normalizationStats(perChannel: Bool = true, column: String = "x") throws -> Normalization {
        let t = try floatColumn(column, op: "normalize")
        guard t.count > 0 else { throw DataError.argument("normalize", "column '\(column)' is empty, cannot compute statistics") }
        let channels = perChannel && t.rank >= 2 ? t.shape[1] : 1
        let inner = perChannel && t.rank >= 2 ? t.shape.dropFirst(2).reduce(1, *) : t.count
        var sum = [Double](repeating: 0, count: channels), sq = sum, n = sum
        t.withFloats { v in
            // Layout [N, C, inner…]: element i belongs to channel (i / inner) % C.
            var i = 0
            while i < v.count {
                let c = channels == 1 ? 0 : (i / inner) % channels
                var s = 0.0, q = 0.0
                for k in i..<(i + inner) { let x = Double(v[k]); s += x; q += x * x }
                sum[c] += s; sq[c] += q; n[c] += Double(inner)
                i += inner
            }
        }
        var mean: [Float] = [], std: [Float] = []
        for c in 0..<channels {
            let m = sum[c] / n[c]
            let variance = max(sq[c] / n[c] - m * m, 0)
            let s = variance.squareRoot()
            mean.append(Float(m))
            std.append(s > 1e-12 ? Float(s) : 1)
        }
        return Normalization(mean: mean, std: std)
    }

    /// `(x - mean) / std` per channel (when `stats` has one value per channel) or globally.
    public func normalized(_ stats: Normalization, column: String = "x") throws -> Dataset {
        let stored = try baseColumn(column)
        let channels = stats.mean.count
        guard channels >= 1, stats.std.count == channels else {
            throw DataError.argument("normalize", "expected as many std values as means, found \(stats.mean.count) means and \(stats.std.count) std values")
        }
        for s in stats.std where !(s.isFinite && s > 0) {
            throw DataError.argument("normalize", "expected positive finite std values, found \(s)")
        }
        if channels > 1 {
            guard stored.shape.count >= 2, stored.shape[1] == channels else {
                throw DataError.argument("normalize", "expected \(channels) channels on axis 1 of column '\(column)', found shape \(formatShape(try shape(of: column)))")
            }
        }
        func padded(_ d: Dataset) -> Dataset {
            // A crop's padding value is normalised as a pixel of its channel is, by the same formula.
            var d = d.transformingPadding(column, channels: channels) { v, c in (v - stats.mean[c]) * (1 / stats.std[c]) }
            d.source += " |> normalize(mean: \(stats.mean), std: \(stats.std))"
            return d
        }
        if let deferred = stored.normalized(mean: stats.mean, inverseStd: stats.std.map { 1 / $0 }) {
            // A byte column stays bytes and is normalised as rows are gathered.
            return padded(replacingStoredColumn(column, with: deferred))
        }
        var t = try floatColumn(column, op: "normalize")
        let inner = channels > 1 ? t.shape.dropFirst(2).reduce(1, *) : max(t.count, 1)
        t.withMutableFloats { v in
            var i = 0
            while i < v.count {
                let c = channels == 1 ? 0 : (i / inner) % channels
                let m = stats.mean[c], inv = 1 / stats.std[c]
                for k in i..<(i + inner) { v[k] = (v[k] - m) * inv }
                i += inner
            }
        }
        return padded(try settingColumn(column, t))
    }

    /// Normalises with statistics computed from this data set; returns them too, so a test set
    /// can be normalised with the training set's values.
    public func normalizedFromData(perChannel: Bool = true, column: String = "x") throws -> (Dataset, Normalization) {
        let stats = try normalizationStats(perChannel: perChannel, column: column)
        return (try normalized(stats, column: column), stats)
    }

    /// Replaces the Int32 label column (default: `labelColumn`) with a Float32 one-hot matrix
    /// [N, classes]. `classes` defaults to `classCount`.
    public func oneHot(column: String? = nil, classes: Int? = nil) throws -> Dataset {
        let name = column ?? labelColumn
        let t = try self.column(name)
        guard t.dtype == .int32, rowLength(t.shape) == 1 else {
            throw DataError.argument("one_hot", "column '\(name)' is \(t.dtype.rawValue)\(formatShape(t.shape)), expected one int32 label per sample")
        }
        guard let k = classes ?? (name == labelColumn ? classCount : nil) ?? t.ints.max().map({ Int($0) + 1 }),
              k > 0 && k <= DataLimits.maxClasses else {
            throw DataError.argument("one_hot", "expected a class count in 1...\(DataLimits.maxClasses) for column '\(name)'")
        }
        var out: Tensor
        do { out = try Tensor(zeros: [count, k], dtype: .float32) } catch {
            throw DataError.argument("one_hot", "\(count) samples × \(k) classes is too large: \(error)")
        }
        try t.withInts { ys in
            try out.withMutableFloats { o in
                for (i, y) in ys.enumerated() {
                    guard y >= 0 && Int(y) < k else {
                        throw DataError.argument("one_hot", "sample \(i) of column '\(name)' has label \(y), expected 0..<\(k)")
                    }
                    o[i * k + Int(y)] = 1
                }
            }
        }
        var d = try settingColumn(name, out)
        d.source += " |> one_hot(\(k))"
        return d
    }

    /// A copy of a Float32 column, or an error naming the transform.
    func floatColumn(_ name: String, op: String) throws -> Tensor {
        // Stored values, before augmentations: value transforms rewrite the images themselves.
        let t = try rawColumn(name)
        guard t.dtype == .float32 else {
            throw DataError.argument(op, "column '\(name)' is \(t.dtype.rawValue), expected f32")
        }
        return t
    }
}
