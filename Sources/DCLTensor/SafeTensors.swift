// The one safetensors codec (https://huggingface.co/docs/safetensors): engine checkpoints
// (`ParameterStore`) and bundle weights (DCLExport's `weights.safetensors`) both use it.
//
// Layout: 8-byte little-endian header length N, N bytes of JSON header
//   {"__metadata__": {"key": "value"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …}
// padded with spaces to a multiple of 8, then the byte buffer; offsets are relative to its start.
//
// Writing keeps the entries' order (`alignedOrder` gives the order that starts every tensor at
// a multiple of its element size) and refuses duplicate or reserved names and byte counts that
// do not match shape × dtype. Reading (SafeTensors+Decoding.swift) trusts nothing and does not
// copy: a decoded entry's bytes are a slice of the file's buffer.
//
// Writing to a path is atomic: a temporary file in the destination directory is written,
// fsynced and renamed over the destination, so a crash leaves either the old file or the new one.

import DCLText
import Foundation

/// Element types a safetensors entry may hold here.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32", i32 = "I32", f16 = "F16", i8 = "I8"

    public var byteSize: Int {
        switch self {
        case .f32, .i32: return 4
        case .f16: return 2
        case .i8: return 1
        }
    }
}

/// A malformed or unwritable safetensors file. `kind` lets callers that report by kind (the
/// bundle reader) keep their distinctions; the description reads like the engine's other errors.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The file breaks the format (bad JSON, offsets, counts, names).
        case malformed
        /// The header claims more bytes than the file holds.
        case truncated
        /// A size beyond the reader's caps or beyond what arithmetic can hold.
        case tooLarge
        /// A valid dtype this codec does not read.
        case unsupported
        /// The operating system refused to read the file.
        case io
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "safetensors: \(message)" }
}

/// One named tensor in a safetensors file, as raw little-endian bytes. The byte count is
/// checked against shape × dtype when the entry is written, read or turned into a tensor.
public struct SafeTensorsEntry: Equatable, Sendable {
    public var name: String
    public var dtype: SafeTensorsDType
    public var shape: [Int]
    /// For an entry of a decoded file, a slice of the file's bytes (its indices are offsets
    /// into the whole file), not a copy.
    public var bytes: ArraySlice<UInt8>

    public init(name: String, dtype: SafeTensorsDType, shape: [Int], bytes: ArraySlice<UInt8>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    public init(name: String, dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) {
        self.init(name: name, dtype: dtype, shape: shape, bytes: bytes[...])
    }

    /// An F32 or I32 entry holding `tensor` as is.
    public init(name: String, tensor: Tensor) {
        self.init(name: name, dtype: tensor.dtype == .float32 ? .f32 : .i32, shape: tensor.shape,
                  bytes: Array(UnsafeRawBufferPointer(start: tensor.storage.bytes, count: tensor.byteCount)))
    }

    /// An F16 entry with `tensor`'s values rounded to half precision.
    public init(name: String, float16From tensor: Tensor) throws {
        guard tensor.dtype == .float32 else { throw TensorError("safetensors", "F16 entry '\(name)' needs a float32 tensor") }
        var out = [UInt8](repeating: 0, count: tensor.count * 2)
        tensor.withFloats { src in
            for i in 0..<src.count {
                let h = Float16(src[i]).bitPattern
                out[2 * i] = UInt8(h & 0xFF)
                out[2 * i + 1] = UInt8(h >> 8)
            }
        }
        self.init(name: name, dtype: .f16, shape: tensor.shape, bytes: out)
    }

    /// An I8 entry (quantised weights).
    public init(name: String, int8 values: [Int8], shape: [Int]) {
        self.init(name: name, dtype: .i8, shape: shape, bytes: values.map { UInt8(bitPattern: $0) })
    }

    /// The entry as an engine tensor: F32 and I32 as is, F16 widened to float32, I8 widened to
    /// int32. The engine's tensor size limit applies here (`Tensor` checks it), not when reading.
    public func tensor() throws -> Tensor {
        guard try SafeTensorsFile.byteCount(shape, dtype, name: name) == bytes.count else {
            throw SafeTensorsError(.malformed, "tensor '\(name)': \(dtype.rawValue) \(formatShape(shape)) does not hold \(bytes.count) bytes")
        }
        switch dtype {
        case .f32, .i32:
            let t = try Tensor(zeros: shape, dtype: dtype == .f32 ? .float32 : .int32)
            bytes.withUnsafeBytes { src in
                if !src.isEmpty { t.storage.bytes.copyMemory(from: src.baseAddress!, byteCount: src.count) }
            }
            return t
        case .f16:
            let base = bytes.startIndex
            var floats = [Float](repeating: 0, count: bytes.count / 2)
            for i in 0..<floats.count {
                floats[i] = Float(Float16(bitPattern: UInt16(bytes[base + 2 * i]) | UInt16(bytes[base + 2 * i + 1]) << 8))
            }
            return try Tensor(shape: shape, floats: floats)
        case .i8:
            return try Tensor(shape: shape, ints: bytes.map { Int32(Int8(bitPattern: $0)) })
        }
    }

    /// The values of an I8 entry.
    public var int8Values: [Int8] { bytes.map { Int8(bitPattern: $0) } }
}

/// A safetensors file: entries in file order plus the `__metadata__` strings.
public struct SafeTensorsFile: Sendable {
    public var entries: [SafeTensorsEntry] {
        didSet { index = Self.index(entries) }
    }
    public var metadata: [String: String]
    /// Position of each name in `entries` (the first, should a name repeat before `encode`
    /// refuses it).
    private var index: [String: Int]

    public init(entries: [SafeTensorsEntry], metadata: [String: String] = [:]) {
        self.entries = entries
        self.metadata = metadata
        index = Self.index(entries)
    }

    private static func index(_ entries: [SafeTensorsEntry]) -> [String: Int] {
        var out: [String: Int] = [:]
        for (i, e) in entries.enumerated() where out[e.name] == nil { out[e.name] = i }
        return out
    }

    /// The entry called `name`, if any.
    public subscript(name: String) -> SafeTensorsEntry? { index[name].map { entries[$0] } }

    /// The raw bytes of entry `name` (a slice of the file for a decoded file).
    public func bytes(of name: String) -> ArraySlice<UInt8>? { self[name]?.bytes }

    /// All entries as engine tensors, by name.
    public func tensors() throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for e in entries { out[e.name] = try e.tensor() }
        return out
    }

    /// `entries` largest element size first, then by name: written in this order, every tensor
    /// starts at a multiple of its element size (the header is padded to 8), and the order does
    /// not depend on the caller's.
    public static func alignedOrder(_ entries: [SafeTensorsEntry]) -> [SafeTensorsEntry] {
        entries.sorted { a, b in
            a.dtype.byteSize != b.dtype.byteSize ? a.dtype.byteSize > b.dtype.byteSize : a.name < b.name
        }
    }

    /// Bytes of a tensor of `shape` and `dtype`, with negative dimensions, dimensions over 2^40
    /// and overflow refused (checked arithmetic: the shape may come from a hostile header).
    static func byteCount(_ shape: [Int], _ dtype: SafeTensorsDType, name: String) throws -> Int {
        var n = dtype.byteSize
        for d in shape {
            guard d >= 0 else { throw SafeTensorsError(.malformed, "tensor '\(name)' has negative dimension \(d)") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, d <= 1 << 40 else {
                throw SafeTensorsError(.tooLarge, "tensor '\(name)' with shape \(formatShape(shape)) is too large")
            }
            n = p
        }
        return n
    }

    // MARK: Writing

    /// The file's bytes: entries in their order, header padded with spaces to 8 bytes. Throws on
    /// a reserved or repeated name, or a byte count that does not match shape and dtype.
    public func encodedBytes() throws -> [UInt8] {
        var seen: Set<String> = []
        var total = 0
        for e in entries {
            guard e.name != "__metadata__" else { throw SafeTensorsError(.malformed, "tensor name '__metadata__' is reserved") }
            guard seen.insert(e.name).inserted else { throw SafeTensorsError(.malformed, "tensor '\(e.name)' is written twice") }
            let n = try Self.byteCount(e.shape, e.dtype, name: e.name)
            guard n == e.bytes.count else {
                throw SafeTensorsError(.malformed, "tensor '\(e.name)': \(e.dtype.rawValue) \(formatShape(e.shape)) needs \(n) bytes, found \(e.bytes.count)")
            }
            let (sum, overflow) = total.addingReportingOverflow(n)
            guard !overflow else { throw SafeTensorsError(.tooLarge, "the tensors together are too large") }
            total = sum
        }
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(quoted($0, .json)):\(quoted(metadata[$0]!, .json))" }
            fields.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for e in entries {
            let end = offset + e.bytes.count
            let shape = e.shape.map(String.init).joined(separator: ",")
            fields.append("\(quoted(e.name, .json)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var headerBytes = Array(("{" + fields.joined(separator: ",") + "}").utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }
        var out = [UInt8]()
        out.reserveCapacity(8 + headerBytes.count + total)
        let length = UInt64(headerBytes.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        out.append(contentsOf: headerBytes)
        for e in entries { out.append(contentsOf: e.bytes) }
        return out
    }

    /// The file's bytes as `Data` (see `encodedBytes`).
    public func encode() throws -> Data { Data(try encodedBytes()) }

    /// Writes the file atomically (temporary file in the same directory, fsync, rename).
    public func write(path: String) throws {
        try writeAtomically(try encode(), to: path)
    }
}
