import DCLStdLib

/// The embedded StdLib, as the tests see it.
enum StdLibEmbedded {
    static var paths: [String] { Array(StdLibSources.files.keys) }
    static func text(_ path: String) -> String? { StdLibSources.files[path].map { $0 + "\n" } }
}
