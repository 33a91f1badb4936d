// Names a bundle gives its models' inputs, outputs and tensors. They come from the file, and
// `dcl predict` turns output names into file names (`y.logits.npy`), so the reader accepts only
// a strict alphabet: a name from a bundle can never be `..`, hold a `/`, start with a `.`
// (a hidden file, or a relative path step), or be long enough to break a path.

/// Longest input, output or tensor name a bundle may use.
public let maxBundleNameLength = 200

private let plainNameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-")

/// Whether `name` is a plain name: 1…200 characters from `[A-Za-z0-9_.:-]`, not starting with
/// `.` or `-`. Every plain name is a safe file-name component.
public func isPlainName(_ name: String) -> Bool {
    guard let first = name.first, first != ".", first != "-", name.count <= maxBundleNameLength else { return false }
    return name.allSatisfy(plainNameCharacters.contains)
}

/// Checks an input or output name of model `model`.
func validateSignatureName(_ name: String, model: String) throws {
    guard isPlainName(name) else {
        throw ExportError(.manifest, entry: manifestEntryName,
                          "model '\(model)' has an input or output named \(quotedName(name)): expected letters, digits, '_', '.', ':' or '-' (not leading '.' or '-'), at most \(maxBundleNameLength) characters")
    }
}

/// Checks a tensor name of model `model`: plain names joined by `/` (a fused model's
/// parameters are `PART/PARAM`).
func validateTensorName(_ name: String, model: String) throws {
    let parts = name.split(separator: "/", omittingEmptySubsequences: false)
    guard name.count <= maxBundleNameLength, parts.allSatisfy({ isPlainName(String($0)) }) else {
        throw ExportError(.manifest, entry: manifestEntryName,
                          "model '\(model)' has a tensor named \(quotedName(name)): expected plain names (letters, digits, '_', '.', ':', '-') joined by '/', at most \(maxBundleNameLength) characters")
    }
}
