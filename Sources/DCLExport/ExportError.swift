// The one error type of the export layer: a value saying which bundle entry (if any) and what
// was wrong. Every malformed byte sequence the reader meets ends up as one of these — never a
// trap, a hang or an allocation sized by an untrusted number.
//
// Messages follow the project's style: lowercase, no trailing period, names quoted,
// "expected X, found Y".

/// What went wrong, coarsely; tests and callers switch on it, people read `message`.
public enum ExportErrorKind: String, Sendable, Hashable, CaseIterable {
    /// A caller passed a description that cannot be exported (bad name, shape mismatch…).
    case invalidArgument = "invalid argument"
    /// The operating system refused a file operation.
    case io = "i/o error"
    /// Protobuf bytes that do not parse (bad varint, length past the end, bad wire type).
    case protobuf = "protobuf"
    /// A structurally valid ONNX model that breaks an ONNX rule dcl relies on.
    case onnx = "onnx"
    /// The file is not a zip archive, or its zip structures are inconsistent.
    case archive = "archive"
    /// The file ends before the data its headers promise.
    case truncated = "truncated"
    /// An entry name that could escape a directory or is not a plain relative path.
    case unsafeEntryName = "unsafe entry name"
    /// The same entry name occurs twice.
    case duplicateEntry = "duplicate entry"
    /// A required entry is absent.
    case missingEntry = "missing entry"
    /// An entry the manifest does not list.
    case unexpectedEntry = "unexpected entry"
    /// A SHA-256 or CRC-32 does not match the entry's bytes.
    case checksumMismatch = "checksum mismatch"
    /// The bundle's format version is not one this dcl reads.
    case unsupportedVersion = "unsupported version"
    /// A valid but unsupported variant (compression method, dtype, encryption).
    case unsupported = "unsupported"
    /// A declared or actual size exceeds the reader's caps (zip bombs, lying headers).
    case tooLarge = "too large"
    /// `manifest.json` is not valid JSON or does not follow the schema.
    case manifest = "manifest"
    /// A model's graph text does not parse, is not a valid graph, or disagrees with the
    /// manifest (signature, parameters).
    case graph = "graph"
    /// `weights.safetensors` does not follow the safetensors format.
    case safetensors = "safetensors"
    /// A deflate stream is corrupt.
    case compression = "compression"
    /// Weights cannot be stored in the requested precision (non-finite values, overflow).
    case quantization = "quantization"
}

/// An error from building, writing or reading ONNX models and bundles.
///
/// `description` is the full message, e.g.
/// `entry 'weights.safetensors': checksum mismatch: expected sha256 3fa1…, found 09be…`.
public struct ExportError: Error, CustomStringConvertible, Equatable, Sendable {
    public var kind: ExportErrorKind
    /// The bundle entry the error is about, when there is one.
    public var entry: String?
    /// What went wrong, without the entry prefix.
    public var message: String

    public init(_ kind: ExportErrorKind, entry: String? = nil, _ message: String) {
        self.kind = kind
        self.entry = entry
        self.message = message
    }

    public var description: String {
        if let entry { return "entry '\(entry)': \(message)" }
        return message
    }

    /// The same error attributed to `entry` (keeps an entry already named).
    func inEntry(_ entry: String) -> ExportError {
        var e = self
        if e.entry == nil { e.entry = entry }
        return e
    }
}
