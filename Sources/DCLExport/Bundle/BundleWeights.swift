// `weights.safetensors` through the engine's safetensors codec (DCLTensor's `SafeTensorsFile`),
// with its errors as the export layer's: the codec's kinds become `ExportError` kinds
// (truncated, too large, unsupported), which bundle verification and `inspect` report.

import DCLTensor

extension SafeTensorsFile {
    /// Encodes bundle weights: `entries` in aligned order (largest element size first, then by
    /// name, so the bytes do not depend on the caller's order) with `metadata`.
    static func encodeWeights(_ entries: [SafeTensorsEntry], metadata: [String: String]) throws -> [UInt8] {
        do {
            return try SafeTensorsFile(entries: alignedOrder(entries), metadata: metadata).encodedBytes()
        } catch let e as SafeTensorsError {
            throw ExportError(e)
        }
    }

    /// Parses and validates bundle weights held in `bytes` (entries share the buffer).
    static func decodeWeights(_ bytes: [UInt8]) throws -> SafeTensorsFile {
        do {
            return try decode(bytes)
        } catch let e as SafeTensorsError {
            throw ExportError(e)
        }
    }
}

extension ExportError {
    /// The codec's error as the export layer reports it.
    init(_ e: SafeTensorsError) {
        let kind: ExportErrorKind
        switch e.kind {
        case .malformed: kind = .safetensors
        case .truncated: kind = .truncated
        case .tooLarge: kind = .tooLarge
        case .unsupported: kind = .unsupported
        case .io: kind = .io
        }
        // The exporter's messages named the format where it mattered ("safetensors header
        // claims …"); the entry prefix (`weights.safetensors`) now says it for every message.
        self.init(kind, e.message)
    }
}
