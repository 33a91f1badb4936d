// The one error type of the data layer: a value saying which file, where in it, and what was
// wrong, rendered as `path:line:column: message` (the form compilers and editors understand).
//
// Loaders never trap on user input: every malformed byte sequence ends up as one of these.
// Messages follow the project's style: lowercase, no trailing period, names quoted,
// "expected X, found Y".

import DCLText

/// What went wrong, coarsely; tests and callers can switch on it, people read `message`.
public enum DataErrorKind: String, Sendable, Hashable, CaseIterable {
    /// The file does not exist.
    case fileNotFound = "file not found"
    /// The file exists but cannot be opened for reading.
    case permissionDenied = "permission denied"
    /// Any other operating-system failure (a directory, an I/O error).
    case io = "i/o error"
    /// A syntax error in a text format (CSV quoting, NPY header).
    case malformed = "malformed"
    /// A CSV row has more or fewer fields than the header.
    case fieldCount = "wrong field count"
    /// A field that must hold a number does not.
    case notNumeric = "not a number"
    /// A binary file does not start with the expected magic bytes.
    case badMagic = "bad magic"
    /// Declared dimensions are impossible, mismatched or unsupported.
    case badShape = "bad shape"
    /// The file ends before the data its header promises (or holds more than promised).
    case truncated = "truncated"
    /// A label is negative or not below the class count.
    case labelOutOfRange = "label out of range"
    /// The gzip/deflate stream is corrupt.
    case compression = "compression"
    /// A valid but unsupported variant of a format (Fortran order, object arrays, dtypes).
    case unsupported = "unsupported"
    /// The input (or what it claims to hold) exceeds the loader's size cap.
    case tooLarge = "too large"
    /// A required column is absent, or a named column is unknown.
    case missingColumn = "missing column"
    /// A transform or partition was called with arguments that cannot work.
    case invalidArgument = "invalid argument"
}

/// An error from loading or transforming data. `description` is the full message:
/// `digits.csv:12:7: field 'p5': expected a number, found "x"`.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public var kind: DataErrorKind
    /// The file the error is about, when there is one.
    public var path: String?
    /// 1-based line in a text file.
    public var line: Int?
    /// 1-based column (byte offset within the line) in a text file.
    public var column: Int?
    /// What went wrong, without the location prefix.
    public var message: String

    public init(_ kind: DataErrorKind, path: String? = nil, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.kind = kind
        self.path = path
        self.line = line
        self.column = column
        self.message = message
    }

    /// `path:line:column: message`, omitting the parts that do not apply.
    public var description: String {
        var loc = ""
        if let path {
            loc = path
            if let line {
                loc += ":\(line)"
                if let column { loc += ":\(column)" }
            }
            loc += ": "
        }
        return loc + message
    }
}

extension DataError {
    /// An invalid-argument error for a named operation: `take: expected …`.
    static func argument(_ op: String, _ message: String) -> DataError {
        DataError(.invalidArgument, "\(op): \(message)")
    }
}

/// Quotes a piece of user input for a message, shortening long or binary text so a corrupt file
/// cannot flood the terminal.
func quoted(_ text: String, limit: Int = 40) -> String {
    DCLText.quoted(text, .message(limit: limit))
}

/// Quotes raw bytes (decoded leniently as UTF-8) for a message.
func quoted<C: Collection>(bytes: C, limit: Int = 40) -> String where C.Element == UInt8 {
    quoted(String(decoding: bytes.prefix(limit * 4), as: UTF8.self), limit: limit)
}

/// Quotes a file path for a message or a source description, never shortened.
func quotedPath(_ path: String) -> String {
    quoted(path, limit: Int.max)
}
