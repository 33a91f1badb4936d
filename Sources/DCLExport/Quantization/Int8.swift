// Symmetric int8 quantisation of weights: q = round(x / scale) clamped to [-127, 127],
// x ≈ q × scale, zero point 0.
//
// One scale per tensor, or one per slice along a channel axis (the output-channel axis of a
// weight: 0 for `[out, in]` linear and `[out, in, kh, kw]` conv weights). The scale is
// max|x| / 127, so the largest magnitude maps exactly to ±127 and -128 is never used — the
// range stays symmetric and `DequantizeLinear` with a zero point of 0 reproduces x ≈ q × scale.
// Rounding is to nearest, ties to even, as ONNX `QuantizeLinear` specifies. An all-zero
// tensor or channel gets scale 1 (every q is 0), so no scale is ever zero or non-finite.
// Round-trip error is at most scale / 2 per element.

import DCLTensor

/// An int8-quantised float tensor: values, scales, and the channel axis the scales run along.
public struct Int8Quantized: Sendable, Hashable {
    /// The original tensor's shape.
    public var shape: [Int]
    /// Quantised values, row-major, same element count as `shape`.
    public var values: [Int8]
    /// One scale (per tensor) or `shape[axis]` scales (per channel).
    public var scales: [Float]
    /// The axis `scales` runs along, or nil for a single per-tensor scale.
    public var axis: Int?

    /// Quantises `tensor` (float32) per tensor (`axis == nil`) or per slice along `axis`.
    public init(quantizing tensor: Tensor, name: String, axis: Int? = nil) throws {
        guard tensor.dtype == .float32 else {
            throw ExportError(.quantization, "tensor '\(name)': int8 quantisation needs a float32 tensor, found \(tensor.dtype.rawValue)")
        }
        let shape = tensor.shape
        let layout = try ChannelLayout(shape: shape, axis: axis, name: name)
        var values = [Int8](repeating: 0, count: tensor.count)
        var scales = [Float](repeating: 1, count: layout.channels)
        try tensor.withFloats { x in
            var maxAbs = [Float](repeating: 0, count: layout.channels)
            for i in 0..<x.count {
                let v = x[i]
                guard v.isFinite else {
                    throw ExportError(.quantization, "tensor '\(name)': cannot quantise non-finite value \(v) at element \(i)")
                }
                let c = layout.channel(of: i)
                maxAbs[c] = max(maxAbs[c], abs(v))
            }
            for c in 0..<layout.channels where maxAbs[c] > 0 {
                scales[c] = maxAbs[c] / 127
                // A max below ~1.5e-43 would give a subnormal scale whose division overflows;
                // such weights are zero for every practical purpose.
                if !(scales[c] > 0) || !(1 / scales[c]).isFinite { scales[c] = 1 }
            }
            for i in 0..<x.count {
                let q = (x[i] / scales[layout.channel(of: i)]).rounded(.toNearestOrEven)
                values[i] = Int8(min(127, max(-127, q)))
            }
        }
        self.shape = shape
        self.values = values
        self.scales = scales
        self.axis = axis
    }

    /// Builds a quantised tensor from stored parts (as read from a bundle), checking they agree.
    public init(shape: [Int], values: [Int8], scales: [Float], axis: Int?, name: String) throws {
        let layout = try ChannelLayout(shape: shape, axis: axis, name: name)
        let n = try elementCount(shape, op: "int8")
        guard values.count == n else {
            throw ExportError(.invalidArgument, "tensor '\(name)': shape \(formatShape(shape)) needs \(n) int8 values, found \(values.count)")
        }
        guard scales.count == layout.channels else {
            throw ExportError(.invalidArgument, "tensor '\(name)': expected \(layout.channels) scale(s), found \(scales.count)")
        }
        guard scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw ExportError(.invalidArgument, "tensor '\(name)': scales must be finite and positive")
        }
        self.shape = shape
        self.values = values
        self.scales = scales
        self.axis = axis
    }

    /// The float32 tensor q × scale.
    public func dequantized() -> Tensor {
        // The shape was validated when this value was made, so these cannot fail.
        let layout = try! ChannelLayout(shape: shape, axis: axis, name: "")
        var out = try! Tensor(zeros: shape)
        out.withMutableFloats { y in
            for i in 0..<values.count { y[i] = Float(values[i]) * scales[layout.channel(of: i)] }
        }
        return out
    }
}

/// Maps a flat element index to its channel along an axis of a row-major shape.
struct ChannelLayout {
    let channels: Int
    /// Elements per step of the channel index (product of the dimensions after the axis).
    let inner: Int

    init(shape: [Int], axis: Int?, name: String) throws {
        guard let axis else {
            channels = 1
            inner = max(1, try elementCount(shape, op: "int8"))
            return
        }
        guard axis >= 0, axis < shape.count else {
            throw ExportError(.invalidArgument, "tensor '\(name)': channel axis \(axis) is out of range for shape \(formatShape(shape))")
        }
        guard shape[axis] > 0 else {
            throw ExportError(.invalidArgument, "tensor '\(name)': channel axis \(axis) of shape \(formatShape(shape)) is empty")
        }
        channels = shape[axis]
        inner = max(1, try elementCount(Array(shape[(axis + 1)...]), op: "int8"))
    }

    @inline(__always)
    func channel(of index: Int) -> Int { channels == 1 ? 0 : (index / inner) % channels }
}
