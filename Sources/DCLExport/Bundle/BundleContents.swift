// A bundle read into memory and verified: the manifest, every entry's bytes, and typed access
// to the graph text, the ONNX models and the weights.

import DCLGraph
import DCLTensor

/// One archive entry as stored (for `inspect`'s entry table).
public struct ArchiveEntryInfo: Sendable, Hashable {
    public var name: String
    /// Uncompressed size.
    public var size: Int
    /// Size in the archive.
    public var storedSize: Int
    public var deflated: Bool
}

/// The verified contents of a bundle.
public struct BundleContents: Sendable {
    public let manifest: BundleManifest
    /// `manifest.json` as stored (for `dcl inspect --json`).
    public let manifestJSON: [UInt8]
    /// Every archive entry, manifest included, in archive order.
    public let archiveEntries: [ArchiveEntryInfo]
    /// Empty for a verified bundle; filled only by `BundleReader.inspect`.
    public let checksumFailures: [ChecksumFailure]
    let data: [String: [UInt8]]
    let weights: SafeTensorsFile?
    /// Each model's graph, parsed and checked when the bundle was read (empty when a checksum
    /// failed, as the weights).
    let graphs: [String: Graph]

    /// The bytes of entry `name` (any entry but the manifest).
    public func entry(_ name: String) -> [UInt8]? { data[name] }

    private func model(_ name: String) throws -> BundleManifest.Model {
        guard let m = manifest.models.first(where: { $0.name == name }) else {
            throw ExportError(.invalidArgument, "the bundle has no model '\(name)'")
        }
        return m
    }

    /// The graph IR text of model `name`.
    public func graphText(of name: String) throws -> String {
        let m = try model(name)
        guard let s = String(validating: data[m.graph] ?? [], as: UTF8.self) else {
            throw ExportError(.invalidArgument, entry: m.graph, "the graph text is not valid UTF-8")
        }
        return s
    }

    /// The ONNX model of model `name`.
    public func onnxModel(of name: String) throws -> ONNXModel {
        let m = try model(name)
        guard let entry = m.onnx, let bytes = data[entry] else {
            throw ExportError(.missingEntry, "model '\(name)' was bundled without an ONNX file")
        }
        do {
            return try ONNXModel(serializedBytes: bytes)
        } catch let e as ExportError {
            throw e.inEntry(entry)
        }
    }

    /// Parameter `parameter` of model `name` as stored (f32, f16 or int8 with its scales).
    public func storedWeight(model name: String, parameter: String) throws -> StoredWeight {
        let m = try model(name)
        guard let t = m.tensors.first(where: { $0.name == parameter }) else {
            throw ExportError(.invalidArgument, "model '\(name)' has no parameter '\(parameter)'")
        }
        guard let weights, let bytes = weights.bytes(of: t.key) else {
            throw ExportError(.missingEntry, entry: weightsEntryName, "the weights were not verified, so they are not loaded")
        }
        let raw = Array(bytes)
        let data: StoredTensorData
        switch t.stored {
        case "F32": data = .float32(try Tensor(shape: t.shape, floats: decode(raw, as: Float.self)))
        case "I32": data = .int32(try Tensor(shape: t.shape, ints: decode(raw, as: Int32.self)))
        case "F16": data = .float16(decode(raw, as: UInt16.self))
        default:
            let scales = decode(Array(weights.bytes(of: t.scaleKey ?? "") ?? []), as: Float.self)
            data = .int8(try Int8Quantized(shape: t.shape, values: raw.map { Int8(bitPattern: $0) }, scales: scales,
                                           axis: t.axis, name: t.key))
        }
        return StoredWeight(name: parameter, shape: t.shape, data: data, error: t.error ?? .zero)
    }

    /// Parameter `parameter` of model `name` as the runtime uses it: float32 (widened or
    /// dequantised) or int32.
    public func tensor(model name: String, parameter: String) throws -> Tensor {
        try storedWeight(model: name, parameter: parameter).restored()
    }
}

/// Little-endian bytes as elements of `T`.
func decode<T>(_ bytes: [UInt8], as: T.Type) -> [T] {
    let n = bytes.count / MemoryLayout<T>.size
    return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
        bytes.withUnsafeBytes { src in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[0..<(n * MemoryLayout<T>.size)]))
        }
        initialized = n
    }
}
