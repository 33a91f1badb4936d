// Row gathering: copying selected rows (first-dimension slices) of a tensor into a new
// contiguous tensor. Every row selection in the data layer is an index list until something needs
// contiguous memory — a training batch, a transform that rewrites values — and then this copies
// just those rows. Both element types are 4 bytes, so one byte-level copy serves both.

import DCLTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Elements per row of a tensor whose first dimension is the row dimension.
func rowLength(_ shape: [Int]) -> Int {
    shape.dropFirst().reduce(1, *)
}

/// Gathers `rows` (indices into the first dimension of `t`, already range-checked by the caller)
/// into a new contiguous tensor of shape `[rows.count] + t.shape[1...]`.
func gatherRows(_ t: Tensor, _ rows: [Int]) -> Tensor {
    var shape = t.shape
    shape[0] = rows.count
    let rowBytes = rowLength(t.shape) * t.dtype.byteSize
    let storage = TensorStorage(overwrittenByteCount: rows.count * rowBytes)
    let src = UnsafeRawPointer(t.storage.bytes)
    let dst = storage.bytes
    if rowBytes == 4 {
        // Labels, ids, ratings: a typed loop beats a memcpy call per element.
        let s = src.assumingMemoryBound(to: UInt32.self)
        let d = dst.assumingMemoryBound(to: UInt32.self)
        for (i, r) in rows.enumerated() { d[i] = s[r] }
    } else if rowBytes % 4 == 0 && rowBytes <= 256 {
        // Narrow rows (feature vectors, a few embeddings): vector copies inline beat a memcpy
        // call per row (and a word loop, which the compiler does not vectorise for a run-time width).
        for (i, r) in rows.enumerated() {
            copyNarrowRow(dst + i &* rowBytes, src + r &* rowBytes, rowBytes)
        }
    } else if rowBytes > 0 {
        for (i, r) in rows.enumerated() {
            memcpy(dst + i * rowBytes, src + r * rowBytes, rowBytes)
        }
    }
    // The shape was derived from a valid tensor with a smaller or equal first dimension.
    return try! Tensor(shape: shape, dtype: t.dtype, storage: storage)
}

/// Copies `bytes` (a multiple of 4, at most 256) as 64-, 32- and 16-byte integer vectors, then
/// words: bit-exact for any element type.
@inline(__always)
private func copyNarrowRow(_ d: UnsafeMutableRawPointer, _ s: UnsafeRawPointer, _ bytes: Int) {
    var q = 0
    while q + 64 <= bytes {
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: q, as: SIMD16<UInt32>.self), toByteOffset: q, as: SIMD16<UInt32>.self)
        q += 64
    }
    if q + 32 <= bytes {
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: q, as: SIMD8<UInt32>.self), toByteOffset: q, as: SIMD8<UInt32>.self)
        q += 32
    }
    if q + 16 <= bytes {
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: q, as: SIMD4<UInt32>.self), toByteOffset: q, as: SIMD4<UInt32>.self)
        q += 16
    }
    while q < bytes {
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: q, as: UInt32.self), toByteOffset: q, as: UInt32.self)
        q += 4
    }
}

/// Concatenates tensors along the first dimension. The caller has checked that dtypes and
/// trailing shapes agree.
func concatRows(_ parts: [Tensor]) -> Tensor {
    var shape = parts[0].shape
    shape[0] = parts.reduce(0) { $0 + $1.shape[0] }
    let storage = TensorStorage(overwrittenByteCount: parts.reduce(0) { $0 + $1.byteCount })
    var offset = 0
    for p in parts where p.byteCount > 0 {
        memcpy(storage.bytes + offset, p.storage.bytes, p.byteCount)
        offset += p.byteCount
    }
    return try! Tensor(shape: shape, dtype: parts[0].dtype, storage: storage)
}

/// Reads the Int32 values of a rank-1 (or [N, 1]) tensor at the given rows.
func intValues(_ t: Tensor, rows: [Int]?) -> [Int32] {
    t.withInts { buf in
        if let rows { return rows.map { buf[$0] } }
        return Array(buf)
    }
}

/// A zero-filled tensor for a shape read from a file; an impossible shape (say
/// [4294967295, 4294967295, 0], which holds no data but overflows the element count) becomes a
/// `badShape` error naming the file instead of a `TensorError`.
func allocateTensor(_ shape: [Int], _ dtype: DType, path: String) throws -> Tensor {
    _ = try checkedElementCount(shape, path: path)
    do {
        return try Tensor(zeros: shape, dtype: dtype)
    } catch let e as TensorError {
        throw DataError(.badShape, path: path, "cannot hold shape \(formatShape(shape)): \(e.message)")
    }
}

/// Runs `body`, which builds tensors from what `path` held; a shape over the caps becomes a
/// `DataError` naming the file instead of a bare `TensorError`.
func namingFile<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as TensorError {
        throw DataError(.tooLarge, path: path, e.description)
    }
}

/// The element count of a shape a file declares, checked against the tensor cap before anything
/// is read or allocated for it; errors name the file.
func checkedElementCount(_ shape: [Int], path: String) throws -> Int {
    // Each dimension on its own must fit a tensor too: [10^18, 0] holds no data, but code that
    // multiplies a row count by a row size would overflow on it.
    let limit = ResourceLimits.current.maxTensorBytes
    if let d = shape.first(where: { $0 > limit / 4 }) {
        throw DataError(.badShape, path: path, "cannot hold shape \(formatShape(shape)): dimension \(d) is larger than any tensor may be (\(ResourceLimits.describe(bytes: limit)), DCL_MAX_TENSOR_BYTES)")
    }
    do {
        return try elementCount(shape, op: "shape")
    } catch let e as TensorError {
        throw DataError(.badShape, path: path, "cannot hold shape \(formatShape(shape)): \(e.message)")
    }
}
