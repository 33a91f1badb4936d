// Where the standard library's sources come from: embedded in the binary (the default, so an
// installed `dcl` needs no repository), or a directory named by `DCL_STDLIB` (for working on
// the StdLib itself without rebuilding).

import Foundation

public enum StdLib {
    /// The text of a StdLib module by relative path (`std/vision.dcl`), and where it came from
    /// (a path shown in diagnostics).
    public static func source(for relativePath: String,
                              environment: [String: String] = ProcessInfo.processInfo.environment) -> (path: String, text: String)? {
        if let dir = environment["DCL_STDLIB"], !dir.isEmpty {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(relativePath)
            if let data = FileManager.default.contents(atPath: url.path) {
                return (url.path, String(decoding: data, as: UTF8.self))
            }
            return nil
        }
        guard let text = StdLibSources.files[relativePath] else { return nil }
        return ("<stdlib>/" + relativePath, text)
    }

    /// Module names available as `import std.…` (for completion and hints).
    public static var moduleNames: [String] {
        StdLibSources.files.keys.compactMap { path -> String? in
            guard path.hasSuffix(".dcl") else { return nil }
            return String(path.dropLast(4)).replacingOccurrences(of: "/", with: ".")
        }.sorted()
    }
}
