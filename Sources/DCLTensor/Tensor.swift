// The engine's value type: a dense, row-major, contiguous tensor of Float32 or Int32.
//
// `Tensor` has value semantics with copy-on-write storage. Kernels work on raw pointers
// (`withFloats`, `withMutableFloats`); every user-reachable constructor validates its shape and
// throws `TensorError` instead of trapping.

import Foundation

/// Element types the engine computes with. Narrower storage types (float16, int8) exist only
/// in exported bundles, never in kernels.
public enum DType: String, Sendable, Hashable, CaseIterable, Codable {
    case float32 = "f32"
    case int32 = "i32"

    /// Size of one element in bytes.
    public var byteSize: Int { 4 }
}

/// A thrown error from the engine: which op, and what was wrong (shapes, values, files).
public struct TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    public var op: String
    public var message: String
    public init(_ op: String, _ message: String) {
        self.op = op
        self.message = message
    }
    public var description: String { "\(op): \(message)" }
}

/// Formats a shape the way every message prints it: `[64, 1, 28, 28]`.
public func formatShape(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

/// Number of elements of `shape`, or a thrown error for negative dimensions, overflow, or a
/// tensor larger than `ResourceLimits.current.maxTensorBytes` (4-byte elements). Every tensor
/// the engine allocates passes through here first, so this is where the size cap is enforced.
public func elementCount(_ shape: [Int], op: String = "shape") throws -> Int {
    var n = 1
    let limit = ResourceLimits.current.maxTensorBytes
    for d in shape {
        guard d >= 0 else { throw TensorError(op, "negative dimension in shape \(formatShape(shape))") }
        // Each partial product stays under 2^40 elements too, so a zero-sized shape cannot
        // smuggle in an absurd dimension (`[10^18, 0]`) for later arithmetic to overflow on.
        let (p, overflow) = n.multipliedReportingOverflow(by: d)
        guard !overflow, p <= (1 << 40), d <= (1 << 40) else {
            throw TensorError(op, "shape \(formatShape(shape)) has too many elements")
        }
        n = p
    }
    let (bytes, overflow) = n.multipliedReportingOverflow(by: 4)
    guard !overflow, bytes <= limit else {
        throw TensorError(op, "a tensor of shape \(formatShape(shape)) needs \(overflow ? "more than \(Int.max) bytes" : ResourceLimits.describe(bytes: bytes)), over the limit of \(ResourceLimits.describe(bytes: limit)) (DCL_MAX_TENSOR_BYTES)")
    }
    return n
}

/// Reference-counted, 64-byte aligned, zero-initialised memory.
public final class TensorStorage: @unchecked Sendable {
    public let bytes: UnsafeMutableRawPointer
    public let byteCount: Int

    public init(byteCount: Int) {
        self.byteCount = byteCount
        // Allocate at least one cache line so the pointer is always valid, even for empty tensors.
        let n = max(byteCount, 64)
        bytes = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 64)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: n)
    }

    /// Memory whose first `byteCount` bytes the caller writes in full before anything reads
    /// them (a copy, a row gather, a concatenation): no zero fill of what is about to be
    /// overwritten — on small training steps the fill cost as much as the copy after it.
    public init(overwrittenByteCount byteCount: Int) {
        self.byteCount = byteCount
        let n = max(byteCount, 64)
        bytes = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 64)
        if n > byteCount { (bytes + byteCount).initializeMemory(as: UInt8.self, repeating: 0, count: n - byteCount) }
    }

    public func copy() -> TensorStorage {
        let s = TensorStorage(overwrittenByteCount: byteCount)
        s.bytes.copyMemory(from: bytes, byteCount: byteCount)
        return s
    }

    deinit { bytes.deallocate() }
}

public struct Tensor: @unchecked Sendable, CustomStringConvertible {
    public private(set) var shape: [Int]
    public let dtype: DType
    public private(set) var storage: TensorStorage
    /// Number of elements.
    public let count: Int

    /// A zero-filled tensor.
    public init(zeros shape: [Int], dtype: DType = .float32) throws {
        let n = try elementCount(shape, op: "zeros")
        self.shape = shape
        self.dtype = dtype
        self.count = n
        self.storage = TensorStorage(byteCount: n * dtype.byteSize)
    }

    /// Wraps existing storage; `storage` must hold at least `count * dtype.byteSize` bytes.
    public init(shape: [Int], dtype: DType, storage: TensorStorage) throws {
        let n = try elementCount(shape, op: "tensor")
        guard storage.byteCount >= n * dtype.byteSize else {
            throw TensorError("tensor", "storage of \(storage.byteCount) bytes is too small for \(dtype.rawValue)\(formatShape(shape))")
        }
        self.shape = shape
        self.dtype = dtype
        self.count = n
        self.storage = storage
    }

    public init(shape: [Int], floats: [Float]) throws {
        let n = try elementCount(shape, op: "tensor")
        guard n == floats.count else {
            throw TensorError("tensor", "shape \(formatShape(shape)) needs \(n) values, got \(floats.count)")
        }
        try self.init(zeros: shape, dtype: .float32)
        floats.withUnsafeBufferPointer { src in
            if n > 0 { storage.bytes.copyMemory(from: src.baseAddress!, byteCount: n * 4) }
        }
    }

    public init(shape: [Int], ints: [Int32]) throws {
        let n = try elementCount(shape, op: "tensor")
        guard n == ints.count else {
            throw TensorError("tensor", "shape \(formatShape(shape)) needs \(n) values, got \(ints.count)")
        }
        try self.init(zeros: shape, dtype: .int32)
        ints.withUnsafeBufferPointer { src in
            if n > 0 { storage.bytes.copyMemory(from: src.baseAddress!, byteCount: n * 4) }
        }
    }

    /// A rank-0 Float32 tensor.
    public init(scalar: Float) {
        // A scalar shape cannot fail validation.
        try! self.init(shape: [], floats: [scalar])
    }

    public var rank: Int { shape.count }
    public var byteCount: Int { count * dtype.byteSize }

    /// Read access to Float32 elements. Calling it on an Int32 tensor is a programming error.
    @inlinable
    public func withFloats<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(dtype == .float32, "withFloats on a \(dtype.rawValue) tensor")
        return try body(UnsafeBufferPointer(start: storage.bytes.assumingMemoryBound(to: Float.self), count: count))
    }

    /// Write access to Float32 elements; copies the storage first if it is shared.
    @inlinable
    public mutating func withMutableFloats<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(dtype == .float32, "withMutableFloats on a \(dtype.rawValue) tensor")
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.bytes.assumingMemoryBound(to: Float.self), count: count))
    }

    @inlinable
    public func withInts<R>(_ body: (UnsafeBufferPointer<Int32>) throws -> R) rethrows -> R {
        precondition(dtype == .int32, "withInts on a \(dtype.rawValue) tensor")
        return try body(UnsafeBufferPointer(start: storage.bytes.assumingMemoryBound(to: Int32.self), count: count))
    }

    @inlinable
    public mutating func withMutableInts<R>(_ body: (UnsafeMutableBufferPointer<Int32>) throws -> R) rethrows -> R {
        precondition(dtype == .int32, "withMutableInts on a \(dtype.rawValue) tensor")
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.bytes.assumingMemoryBound(to: Int32.self), count: count))
    }

    /// Ensures this tensor is the only owner of its storage (copy-on-write).
    public mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Float32 elements as an array (copies).
    public var floats: [Float] { withFloats { Array($0) } }
    /// Int32 elements as an array (copies).
    public var ints: [Int32] { withInts { Array($0) } }

    /// The same elements viewed with another shape of equal element count (shares storage).
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        let n = try elementCount(newShape, op: "reshape")
        guard n == count else {
            throw TensorError("reshape", "cannot reshape \(formatShape(shape)) (\(count) elements) to \(formatShape(newShape)) (\(n) elements)")
        }
        var t = self
        t.shape = newShape
        return t
    }

    /// Bitwise equality of shape, dtype and bytes (NaNs with equal bits compare equal).
    public func bitwiseEqual(_ other: Tensor) -> Bool {
        shape == other.shape && dtype == other.dtype
            && memcmp(storage.bytes, other.storage.bytes, byteCount) == 0
    }

    public var description: String {
        let head = "\(dtype.rawValue)\(formatShape(shape))"
        let shown = min(count, 8)
        let values: [String]
        switch dtype {
        case .float32: values = withFloats { buf in (0..<shown).map { String(buf[$0]) } }
        case .int32: values = withInts { buf in (0..<shown).map { String(buf[$0]) } }
        }
        return head + " [" + values.joined(separator: ", ") + (count > shown ? ", …]" : "]")
    }
}
