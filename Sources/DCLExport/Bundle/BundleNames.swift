// Names a bundle gives its models' inputs, outputs and tensors. They come from the file, and
// `dcl predict` turns output names into file names (`y.logits.npy`), so the reader accepts only
// a strict alphabet: a name from a bundle can never be `..`, hold a `/`, start with a `.`
// (a hidden file, or a relative path step), or be long enough to break a path.

import DCLText

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

/// Longest free-text manifest field (`bundle`, `role.name`, `dcl_version`, pattern names,
/// kinds, parts and text settings).
let maxManifestTextLength = 200

/// Checks the manifest's free-text fields, which `dcl inspect` prints: no control characters
/// (a terminal escape sequence in a bundle name would drive the user's terminal), and short.
func validateManifestText(_ m: BundleManifest) throws {
    var fields: [(String, String)] = [("bundle", m.bundle), ("role.name", m.role.name), ("dcl_version", m.dclVersion)]
    for p in m.patterns ?? [] {
        fields += [("pattern kind", p.kind), ("pattern name", p.name)]
        for (part, model) in p.models { fields += [("pattern part", part), ("pattern model", model)] }
        for (key, value) in p.settings {
            fields.append(("pattern setting", key))
            if case .text(let t) = value { fields.append(("pattern setting '\(key)'", t)) }
        }
    }
    func isControl(_ u: Unicode.Scalar) -> Bool { u.value < 0x20 || (0x7F...0x9F).contains(u.value) }
    for (what, text) in fields {
        guard !text.unicodeScalars.contains(where: isControl), text.unicodeScalars.count <= maxManifestTextLength else {
            // Shown escaped and cut, so the message itself is safe to print.
            throw ExportError(.manifest, entry: manifestEntryName,
                              "\(what) \(quoted(text, QuoteStyle.name.limited(to: 80))) holds control characters or is longer than \(maxManifestTextLength) characters")
        }
    }
}
