// A column as a data set stores it. Most columns are engine tensors. Images read from files of
// unsigned bytes (MNIST's IDX type 0x08) stay one byte per value and become Float32 only when rows
// are gathered — a quarter of the memory a Float32 copy would hold for as long as the data set
// lives. `scale` on such a column records its factor instead of rewriting the values, and the
// gather applies the factors in the order and precision the Float32 path would have used
// (`Float(byte) * f1 * f2 …`, one rounding per multiplication), so every gathered value is
// bit-identical to what scaling a Float32 copy gives. `normalize` with given statistics is deferred
// the same way (after the factors, `(v - mean[c]) * (1 / std[c])` per channel, as the Float32
// path computes it), so CIFAR-10 normalised for training still holds one byte per pixel.

import DCLTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct StoredColumn: Sendable {
    /// The values: an engine tensor, or `shape.product` unsigned bytes decoded on gather.
    enum Values: Sendable {
        case tensor(Tensor)
        case bytes(TensorStorage)
    }

    let values: Values
    /// `[rows, …]`, the shape the column has when gathered whole.
    let shape: [Int]
    /// Factors applied to byte values on decoding, in order (empty: the raw 0…255 values).
    private(set) var factors: [Float]
    /// A per-channel normalisation applied after the factors: channel c of a row is the c-th
    /// run of `inner` values; one mean (global) covers the whole row.
    private(set) var affine: (mean: [Float], inverseStd: [Float], inner: Int)?

    /// More factors than this and `scale` writes a Float32 copy instead (a script scaling a
    /// column over and over gains nothing from deferring it).
    static let maxDeferredFactors = 4

    init(_ t: Tensor) {
        values = .tensor(t)
        shape = t.shape
        factors = []
    }

    /// A byte column over `storage`, which holds at least the shape's element count of bytes.
    init(bytes storage: TensorStorage, shape: [Int], factors: [Float] = []) {
        values = .bytes(storage)
        self.shape = shape
        self.factors = factors
        self.affine = nil
    }

    /// The same values under another shape with the same element count (checked by the caller).
    func reshaped(_ newShape: [Int]) throws -> StoredColumn {
        switch values {
        case .tensor(let t): return StoredColumn(try t.reshaped(newShape))
        case .bytes(let s):
            precondition(newShape.reduce(1, *) == shape.reduce(1, *), "byte column reshaped to another element count")
            guard affine == nil else { return StoredColumn(try tensor().reshaped(newShape)) }
            return StoredColumn(bytes: s, shape: newShape, factors: factors)
        }
    }

    /// The element type gathered rows have.
    var dtype: DType {
        switch values {
        case .tensor(let t): return t.dtype
        case .bytes: return .float32
        }
    }

    var isBytes: Bool {
        if case .bytes = values { return true }
        return false
    }

    /// The same bytes with one more factor, or nil when the column is not a byte column or has
    /// deferred enough factors already.
    func scaled(by factor: Float) -> StoredColumn? {
        guard case .bytes = values, factors.count < Self.maxDeferredFactors, affine == nil else { return nil }
        var c = self
        c.factors.append(factor)
        return c
    }

    /// The same bytes normalised on decoding, or nil when the column is not a byte column or is
    /// normalised already. `mean`/`inverseStd` hold one value (global) or one per channel (axis 1;
    /// the caller checked the count against the shape).
    func normalized(mean: [Float], inverseStd: [Float]) -> StoredColumn? {
        guard case .bytes = values, affine == nil, shape.count >= 1 else { return nil }
        var c = self
        let width = rowLength(shape)
        c.affine = (mean, inverseStd, mean.count > 1 ? width / mean.count : width)
        return c
    }

    /// The whole column as a tensor (the stored tensor itself when it is one).
    func tensor() -> Tensor {
        switch values {
        case .tensor(let t): return t
        case .bytes: return gather(Array(0..<shape[0]))
        }
    }

    /// Rows `rows` (range-checked by the caller) as a new contiguous tensor.
    func gather(_ rows: [Int]) -> Tensor {
        switch values {
        case .tensor(let t):
            return gatherRows(t, rows)
        case .bytes(let storage):
            var outShape = shape
            outShape[0] = rows.count
            let width = rowLength(shape)
            let out = TensorStorage(overwrittenByteCount: rows.count * width * 4)
            let src = UnsafePointer(storage.bytes.assumingMemoryBound(to: UInt8.self))
            let dst = out.bytes.assumingMemoryBound(to: Float.self)
            for (i, r) in rows.enumerated() {
                decodeRow(src + r * width, into: dst + i * width, count: width)
            }
            // The shape was derived from a valid column with a smaller or equal first dimension
            // whose Float32 size was checked when it was loaded.
            return try! Tensor(shape: outShape, dtype: .float32, storage: out)
        }
    }

    /// The selected rows as a column of the same kind (bytes stay bytes).
    func selectingRows(_ rows: [Int]) -> StoredColumn {
        switch values {
        case .tensor(let t):
            return StoredColumn(gatherRows(t, rows))
        case .bytes(let storage):
            var outShape = shape
            outShape[0] = rows.count
            let width = rowLength(shape)
            let out = TensorStorage(overwrittenByteCount: max(rows.count * width, 1))
            for (i, r) in rows.enumerated() where width > 0 {
                memcpy(out.bytes + i * width, storage.bytes + r * width, width)
            }
            var c = StoredColumn(bytes: out, shape: outShape, factors: factors)
            c.affine = affine
            return c
        }
    }

    private func decodeRow(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        decodeScaled(src, into: dst, count: count)
        guard let (mean, inverseStd, inner) = affine, inner > 0 else { return }
        for c in 0..<(count / inner) {
            let m = mean[mean.count == 1 ? 0 : c], inv = inverseStd[mean.count == 1 ? 0 : c]
            for j in (c * inner)..<((c + 1) * inner) { dst[j] = (dst[j] - m) * inv }
        }
    }

    private func decodeScaled(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        switch factors.count {
        case 0:
            for j in 0..<count { dst[j] = Float(src[j]) }
        case 1:
            let f = factors[0]
            for j in 0..<count { dst[j] = Float(src[j]) * f }
        default:
            for j in 0..<count {
                var v = Float(src[j])
                for f in factors { v = v * f }
                dst[j] = v
            }
        }
    }

    /// The stored object rows are read from (for identity: same object and same factors means
    /// same values).
    var storageObject: AnyObject {
        switch values {
        case .tensor(let t): return t.storage
        case .bytes(let s): return s
        }
    }

    /// Whether both columns hold the very same values (same stored object, shape and factors).
    func sharesValues(with other: StoredColumn) -> Bool {
        storageObject === other.storageObject && shape == other.shape
            && factors.map(\.bitPattern) == other.factors.map(\.bitPattern)
            && affine?.mean.map(\.bitPattern) == other.affine?.mean.map(\.bitPattern)
            && affine?.inverseStd.map(\.bitPattern) == other.affine?.inverseStd.map(\.bitPattern)
    }
}

/// What a cache of per-sample results keys on: the stored values a data set's rows index into.
/// Two identities are the same when they refer to the same stored object with the same decoding;
/// holding one keeps the storage alive, so an identity is never reused by other data.
public struct StoredColumnIdentity: Sendable {
    let column: StoredColumn
    /// The column's augmentations: their deterministic form (a centre crop) changes what a
    /// model sees, so the same bytes under other augmentations are other inputs.
    let augmentations: [AugmentationStep]

    /// Rows of the stored column (every `baseRows` entry is below this).
    public var rows: Int { column.shape[0] }

    public func isSame(as other: StoredColumnIdentity) -> Bool {
        column.sharesValues(with: other.column) && augmentations.map(\.augmentation) == other.augmentations.map(\.augmentation)
    }
}
