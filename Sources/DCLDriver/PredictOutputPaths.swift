// Where `dcl predict --output` writes each output. Output names come from the bundle — a file
// made by anyone — so a name is used in a file name only if it is a plain name (letters,
// digits, `_`, `.`, `:`, `-`, not starting with `.` or `-`; the reader enforces the same), and
// every derived path is checked to lie in the directory the user named. A bundle that declared
// an output `/../../ESC` once made predict write two levels above that directory.

import DCLExport
import DCLText
import Foundation

extension PredictIO {
    /// The file for each output name:
    /// * `--output DIR/` (a trailing slash, or an existing directory): `DIR/NAME.npy` each;
    /// * `--output FILE.npy` with one output: `FILE.npy` (`.npy` added if missing);
    /// * `--output FILE.npy` with several: `FILE.NAME.npy` each.
    static func outputPaths(_ names: [String], output path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        let intoDirectory = path.hasSuffix("/") || (FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
        if !intoDirectory && names.count == 1 {
            return [path.lowercased().hasSuffix(".npy") ? path : path + ".npy"]
        }
        let directory: URL, stem: String
        if intoDirectory {
            directory = URL(fileURLWithPath: path, isDirectory: true)
            stem = ""
        } else {
            let url = URL(fileURLWithPath: path)
            directory = url.deletingLastPathComponent()
            let last = url.lastPathComponent
            stem = (last.lowercased().hasSuffix(".npy") ? String(last.dropLast(4)) : last) + "."
        }
        return try names.map { name in
            guard isPlainName(name) else {
                throw Problem(message: "the bundle's output name \(describeName(name)) cannot be part of a file name; refusing to write it")
            }
            let file = stem + name + ".npy"
            let target = directory.appendingPathComponent(file)
            // Belt and braces: the file must sit directly in the directory asked for.
            guard !file.contains("/"), file != ".", file != "..",
                  target.standardized.deletingLastPathComponent().path == directory.standardized.path else {
                throw Problem(message: "output '\(name)' would be written outside \(directory.path); refusing")
            }
            return target.path
        }
    }

    /// A name for a message, with control characters escaped and long names cut.
    private static func describeName(_ name: String) -> String {
        quoted(name, QuoteStyle.name.limited(to: 80))
    }
}
