// `manifest.json`: the schema (format version 1) as Codable values. docs/bundles.md shows an
// example; keys are snake_case and written sorted, so the same bundle gives the same bytes.
//
// The manifest describes everything else in the bundle and carries the SHA-256 of every other
// entry; the manifest itself is protected by its zip CRC-32 (a file cannot hold its own hash).

import Foundation

/// The `format` string every dcl bundle manifest carries.
public let bundleFormatName = "dcl-bundle"
/// The manifest format version this dcl writes and reads.
public let bundleFormatVersion = 1

/// The parsed `manifest.json` of a bundle.
public struct BundleManifest: Codable, Sendable, Hashable {
    public var format: String
    public var formatVersion: Int
    public var dclVersion: String
    /// The bundle's name in the script.
    public var bundle: String
    public var role: Role
    public var weights: Weights
    public var models: [Model]
    public var budget: Budget
    /// Every entry except `manifest.json`, in archive order.
    public var entries: [Entry]
    /// How the models serve the script's patterns (a split's halves, a plug-in's cold-start
    /// head and memory size, a retrieval index); absent when the bundle has none.
    public var patterns: [Pattern]?

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", dclVersion = "dcl_version", bundle, role, weights, models, budget, entries
        case patterns
    }

    /// One pattern the bundle's models implement: `kind` ("split", "distill", "plugin",
    /// "retrieval", "retrieval_index"), the declaration's `name`, the bundle model playing
    /// each part, and the pattern's settings (a plug-in's `memory` and `min_memory` …).
    public struct Pattern: Codable, Sendable, Hashable {
        public var kind: String
        public var name: String
        /// Part ("features", "head", "fallback", "index" …) → model name in this bundle.
        public var models: [String: String]
        public var settings: [String: Setting]

        public init(kind: String, name: String, models: [String: String], settings: [String: Setting]) {
            self.kind = kind
            self.name = name
            self.models = models
            self.settings = settings
        }
    }

    /// A pattern setting: a number or a string. (Numbers are doubles, so a value reads back
    /// as written whether or not JSON shows a fraction.)
    public enum Setting: Codable, Sendable, Hashable, CustomStringConvertible {
        case number(Double)
        case text(String)

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Double.self) { self = .number(v) } else { self = .text(try c.decode(String.self)) }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .number(let v): try c.encode(v)
            case .text(let s): try c.encode(s)
            }
        }

        public var description: String {
            switch self {
            case .number(let v): return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
            case .text(let s): return s
            }
        }
    }

    public struct Role: Codable, Sendable, Hashable {
        public var name: String
        public var kind: RoleKind
    }

    /// How `weights.safetensors` stores its tensors.
    public struct Weights: Codable, Sendable, Hashable {
        /// Always "weights.safetensors".
        public var entry: String
        /// "f32", "f16" or "int8".
        public var storage: String
        /// For int8: "per_tensor" or "per_channel".
        public var int8Granularity: String?
        /// Number of tensors (int8 scales included).
        public var tensorCount: Int

        enum CodingKeys: String, CodingKey {
            case entry, storage, int8Granularity = "int8_granularity", tensorCount = "tensor_count"
        }
    }

    /// One dimension of a signature shape: a size, or a symbol ("N" for the batch).
    public enum Dimension: Codable, Sendable, Hashable, CustomStringConvertible {
        case fixed(Int)
        case symbol(String)

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Int.self) { self = .fixed(v) } else { self = .symbol(try c.decode(String.self)) }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .fixed(let v): try c.encode(v)
            case .symbol(let s): try c.encode(s)
            }
        }

        public var description: String {
            switch self {
            case .fixed(let v): return String(v)
            case .symbol(let s): return s
            }
        }
    }

    /// A model input or output.
    public struct Signature: Codable, Sendable, Hashable {
        public var name: String
        /// ["N", d1, d2, …].
        public var shape: [Dimension]
        /// "f32" or "i32".
        public var dtype: String
    }

    /// One stored tensor of a model.
    public struct Tensor: Codable, Sendable, Hashable {
        /// The parameter's name in the model (and its ONNX value name).
        public var name: String
        /// Its key in `weights.safetensors`: "MODEL/NAME".
        public var key: String
        public var shape: [Int]
        /// Stored dtype: "F32", "I32", "F16" or "I8".
        public var stored: String
        /// For I8: the key of its float32 scale(s) ("KEY_scale").
        public var scaleKey: String?
        /// For per-channel I8: the axis the scales run along.
        public var axis: Int?
        /// Round-trip error against the float32 original (f16 and int8 only).
        public var error: QuantizationError?

        enum CodingKeys: String, CodingKey {
            case name, key, shape, stored, scaleKey = "scale_key", axis, error
        }
    }

    /// One model.
    public struct Model: Codable, Sendable, Hashable {
        public var name: String
        /// The graph IR text entry ("MODEL.graph").
        public var graph: String
        /// The ONNX entry ("MODEL.onnx"), or nil when none was exported.
        public var onnx: String?
        public var inputs: [Signature]
        public var outputs: [Signature]
        public var params: Int
        public var flopsPerSample: Int
        public var peakMemoryBytes: Int
        public var tensors: [Tensor]
        /// The worst round-trip error over the model's narrowed tensors (nil for f32).
        public var quantizationError: QuantizationError?
        /// How far the outputs move with the stored weights on a seeded probe batch (nil for
        /// f32, or when the compiler did not measure it).
        public var outputError: QuantizationError?

        enum CodingKeys: String, CodingKey {
            case name, graph, onnx, inputs, outputs, params, tensors
            case flopsPerSample = "flops_per_sample", peakMemoryBytes = "peak_memory_bytes"
            case quantizationError = "quantization_error", outputError = "output_error"
        }
    }

    /// The role's declared budget and how the bundle measures against it.
    public struct Budget: Codable, Sendable, Hashable {
        /// Whether every limit is met.
        public var met: Bool
        public var limits: [Limit]
    }

    public struct Limit: Codable, Sendable, Hashable {
        public var metric: BudgetMetric
        public var limit: Int
        public var measured: Int
        public var met: Bool
    }

    /// An entry and its checksum.
    public struct Entry: Codable, Sendable, Hashable {
        public var name: String
        public var bytes: Int
        /// 64 lowercase hex digits.
        public var sha256: String
    }

    /// The manifest as JSON: pretty-printed, keys sorted, a final newline.
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(self)) + [0x0A]
        } catch {
            throw ExportError(.manifest, "cannot encode the manifest: \(error)")
        }
    }
}

extension QuantizationError {
    enum CodingKeys: String, CodingKey {
        case maxAbsError = "max_abs_error", maxRelativeError = "max_relative_error", rmsError = "rms_error"
    }
}
