// How a bundle stores its weights, and the one place that decides each tensor's stored form —
// shared by `weights.safetensors` and the ONNX initialisers so the two never disagree.
//
// Policy:
// * `f32`: every tensor as is.
// * `f16`: every float32 tensor as IEEE half (round to nearest even). A finite weight whose
//   magnitude rounds past 65504 is an error, not a silent infinity.
// * `int8`: float32 tensors of rank ≥ 2 (matrices, conv kernels, embeddings) as symmetric int8,
//   per tensor or per output channel; rank 0/1 tensors (biases, norm scales) stay float32 —
//   they are a sliver of the bytes and the most sensitive to error.
// * int32 tensors are never converted.
// Non-finite float weights are refused by f16 and int8 (they would not survive the round trip).

import DCLTensor

/// The storage precision of a bundle's weights.
public enum WeightStorage: Sendable, Hashable, CustomStringConvertible {
    case float32
    case float16
    /// Symmetric int8; `perChannel` uses one scale per output channel where the caller names
    /// the channel axis of a weight, and one per tensor otherwise.
    case int8(perChannel: Bool)

    /// The manifest spelling: `f32`, `f16`, `int8`.
    public var name: String {
        switch self {
        case .float32: return "f32"
        case .float16: return "f16"
        case .int8: return "int8"
        }
    }

    public var description: String {
        if case .int8(let perChannel) = self { return perChannel ? "int8 (per channel)" : "int8 (per tensor)" }
        return name
    }
}

extension WeightStorage {
    /// The bytes a weight of `shape` and `dtype` takes in this storage, per the policy above,
    /// computed from its shape alone (no tensor): what `dcl check` sums as a lower bound on a
    /// bundle's size without creating the weights. `channelAxis` as for `StoredWeight`.
    public func storedByteCount(shape: [Int], dtype: DType, channelAxis: Int? = nil) -> Int {
        let count = shape.reduce(1, *)
        if dtype == .int32 { return count * dtype.byteSize }
        switch self {
        case .float32: return count * 4
        case .float16: return count * 2
        case .int8(let perChannel):
            guard shape.count >= 2 else { return count * 4 }
            let scales = perChannel ? channelAxis.flatMap { $0 < shape.count ? shape[$0] : nil } ?? 1 : 1
            return count + scales * 4
        }
    }
}

/// Round-trip error of one stored tensor against the original float32 values.
public struct QuantizationError: Sendable, Hashable, Codable {
    /// max |x − x̂|.
    public var maxAbsError: Double
    /// max |x − x̂| / max |x| (0 for an all-zero tensor): the error relative to the tensor's
    /// range, which stays meaningful near zero where elementwise ratios explode.
    public var maxRelativeError: Double
    /// sqrt(mean (x − x̂)²).
    public var rmsError: Double

    public static let zero = QuantizationError(maxAbsError: 0, maxRelativeError: 0, rmsError: 0)

    public init(maxAbsError: Double, maxRelativeError: Double, rmsError: Double) {
        self.maxAbsError = maxAbsError
        self.maxRelativeError = maxRelativeError
        self.rmsError = rmsError
    }

    /// The error of `restored` against `original` (equal element counts).
    public init(original: [Float], restored: [Float]) {
        precondition(original.count == restored.count, "round-trip error needs equal element counts")
        var maxErr = 0.0, maxAbs = 0.0, sumSq = 0.0
        for i in 0..<original.count {
            let x = Double(original[i])
            let e = abs(x - Double(restored[i]))
            maxErr = max(maxErr, e)
            maxAbs = max(maxAbs, abs(x))
            sumSq += e * e
        }
        maxAbsError = maxErr
        maxRelativeError = maxAbs > 0 ? maxErr / maxAbs : 0
        rmsError = original.isEmpty ? 0 : (sumSq / Double(original.count)).squareRoot()
    }

    /// The worst of two reports, field by field.
    public func merged(with other: QuantizationError) -> QuantizationError {
        QuantizationError(maxAbsError: max(maxAbsError, other.maxAbsError),
                          maxRelativeError: max(maxRelativeError, other.maxRelativeError),
                          rmsError: max(rmsError, other.rmsError))
    }
}

/// A tensor in the form a bundle stores it.
public enum StoredTensorData: Sendable {
    /// Float32 as is (shares the caller's storage; no copy).
    case float32(Tensor)
    case int32(Tensor)
    /// IEEE half bit patterns.
    case float16([UInt16])
    case int8(Int8Quantized)

    /// The storage form (which ONNX initialisers hold it).
    var form: StoredForm {
        switch self {
        case .float32: return .float32
        case .int32: return .int32
        case .float16: return .float16
        case .int8: return .int8
        }
    }

    /// The stored byte arrays in the order `StoredForm.onnxInitializers` lists them.
    var rawParts: [[UInt8]] {
        switch self {
        case .float32(let t), .int32(let t): return [t.rawBytes()]
        case .float16(let h): return [rawBytes(of: h)]
        case .int8(let q): return [q.values.map { UInt8(bitPattern: $0) }, rawBytes(of: q.scales)]
        }
    }
}

/// One weight, converted for storage, with its round-trip error.
public struct StoredWeight: Sendable {
    public var name: String
    public var shape: [Int]
    public var data: StoredTensorData
    public var error: QuantizationError

    /// A weight from its stored parts (as read back from a bundle).
    public init(name: String, shape: [Int], data: StoredTensorData, error: QuantizationError) {
        self.name = name
        self.shape = shape
        self.data = data
        self.error = error
    }

    /// Converts `tensor` for `storage` per the policy above. `channelAxis` is the weight's
    /// output-channel axis, used by per-channel int8.
    public init(name: String, tensor: Tensor, storage: WeightStorage, channelAxis: Int? = nil) throws {
        self.name = name
        self.shape = tensor.shape
        if tensor.dtype == .int32 {
            data = .int32(tensor)
            error = .zero
            return
        }
        switch storage {
        case .float32:
            data = .float32(tensor)
            error = .zero
        case .float16:
            let original = tensor.floats
            var halves = [UInt16](repeating: 0, count: original.count)
            var restored = [Float](repeating: 0, count: original.count)
            for i in 0..<original.count {
                let v = original[i]
                guard v.isFinite else {
                    throw ExportError(.quantization, "tensor '\(name)': cannot store non-finite value \(v) at element \(i) as float16")
                }
                halves[i] = float16Bits(v)
                restored[i] = float32(fromFloat16Bits: halves[i])
                guard restored[i].isFinite else {
                    throw ExportError(.quantization, "tensor '\(name)': value \(v) at element \(i) is beyond the float16 range (±\(Int(float16Max)))")
                }
            }
            data = .float16(halves)
            error = QuantizationError(original: original, restored: restored)
        case .int8(let perChannel):
            guard tensor.rank >= 2 else {
                data = .float32(tensor)
                error = .zero
                return
            }
            let q = try Int8Quantized(quantizing: tensor, name: name, axis: perChannel ? channelAxis : nil)
            data = .int8(q)
            error = QuantizationError(original: tensor.floats, restored: q.dequantized().floats)
        }
    }

    /// The stored element type's manifest/safetensors spelling: F32, I32, F16, I8.
    public var storedDType: String {
        switch data {
        case .float32: return "F32"
        case .int32: return "I32"
        case .float16: return "F16"
        case .int8: return "I8"
        }
    }

    /// The values as the runtime sees them: float32 (dequantised or widened) or int32.
    public func restored() -> Tensor {
        switch data {
        case .float32(let t), .int32(let t):
            return t
        case .float16(let h):
            return try! Tensor(shape: shape, floats: h.map { float32(fromFloat16Bits: $0) })
        case .int8(let q):
            return q.dequantized()
        }
    }
}
