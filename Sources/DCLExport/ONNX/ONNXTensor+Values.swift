// Building `ONNXTensor`s from engine tensors and Swift arrays, and reading their values back.
//
// All supported platforms are little-endian, which is the byte order of `raw_data`, so
// elements are copied as they lie in memory.

import DCLTensor

extension ONNXTensor {
    /// A FLOAT or INT32 initialiser holding `tensor`'s elements exactly.
    public init(name: String, tensor: Tensor) throws {
        let type: ONNXDataType = tensor.dtype == .float32 ? .float : .int32
        try self.init(name: name, dataType: type, dims: tensor.shape.map(Int64.init), rawData: tensor.rawBytes())
    }

    public init(name: String, floats: [Float], dims: [Int64]) throws {
        try self.init(name: name, dataType: .float, dims: dims, rawData: rawBytes(of: floats))
    }

    public init(name: String, int32s: [Int32], dims: [Int64]) throws {
        try self.init(name: name, dataType: .int32, dims: dims, rawData: rawBytes(of: int32s))
    }

    public init(name: String, int64s: [Int64], dims: [Int64]) throws {
        try self.init(name: name, dataType: .int64, dims: dims, rawData: rawBytes(of: int64s))
    }

    /// A FLOAT16 tensor from half-precision bit patterns.
    public init(name: String, float16Bits: [UInt16], dims: [Int64]) throws {
        try self.init(name: name, dataType: .float16, dims: dims, rawData: rawBytes(of: float16Bits))
    }

    public init(name: String, int8s: [Int8], dims: [Int64]) throws {
        try self.init(name: name, dataType: .int8, dims: dims, rawData: int8s.map { UInt8(bitPattern: $0) })
    }

    /// Elements as Float: FLOAT as is, FLOAT16 widened exactly, integer types converted.
    public func floatValues() -> [Float] {
        switch dataType {
        case .float: return values(Float.self)
        case .float16: return values(UInt16.self).map { float32(fromFloat16Bits: $0) }
        case .double: return values(Double.self).map { Float($0) }
        case .int8: return rawData.map { Float(Int8(bitPattern: $0)) }
        case .uint8, .bool: return rawData.map { Float($0) }
        case .int32: return values(Int32.self).map { Float($0) }
        case .int64: return values(Int64.self).map { Float($0) }
        }
    }

    /// Elements as Int64 (integer and bool types; floats truncated toward zero when finite).
    public func int64Values() -> [Int64] {
        switch dataType {
        case .int64: return values(Int64.self)
        case .int32: return values(Int32.self).map { Int64($0) }
        case .int8: return rawData.map { Int64(Int8(bitPattern: $0)) }
        case .uint8, .bool: return rawData.map { Int64($0) }
        case .float, .float16, .double:
            return floatValues().map { $0.isFinite && abs($0) < 9.2e18 ? Int64($0) : 0 }
        }
    }

    /// Reinterprets `rawData` as elements of `T` (its size must be the data type's).
    private func values<T>(_: T.Type) -> [T] {
        let n = rawData.count / MemoryLayout<T>.size
        return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            rawData.withUnsafeBytes { src in
                if n > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[0..<(n * MemoryLayout<T>.size)])) }
            }
            initialized = n
        }
    }
}

extension Tensor {
    /// The elements' bytes, little-endian, row-major.
    func rawBytes() -> [UInt8] {
        [UInt8](UnsafeRawBufferPointer(start: storage.bytes, count: byteCount))
    }
}

/// The in-memory (little-endian) bytes of an array of trivial values.
func rawBytes<T>(of values: [T]) -> [UInt8] {
    values.withUnsafeBytes { [UInt8]($0) }
}
