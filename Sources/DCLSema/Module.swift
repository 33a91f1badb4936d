// A loaded `.dcl` file with what the checker and interpreter need to know about it: its
// program, its imports, and its top-level names.

import DCLDiagnostics
import DCLSyntax

public final class DCLModule: @unchecked Sendable, CustomStringConvertible {
    /// `std.vision`, or the path of a file module as written by the importer.
    public let name: String
    public let file: SourceFile
    /// Its items; the REPL's session module replaces them as inputs are accepted
    /// (`replaceItems(_:imports:)`).
    public internal(set) var program: Program
    /// The directory relative imports and relative data paths resolve against.
    public let directory: String
    /// Imports in source order, resolved (nil where loading failed; already reported).
    public internal(set) var imports: [ResolvedImport] = []
    /// Top-level declarations by name.
    public internal(set) var declarations: [String: Decl] = [:]
    /// The item index of each top-level declaration (for use-before-definition checks).
    public internal(set) var declarationIndex: [String: Int] = [:]
    /// Top-level `let`/`var` bindings by name, with their item index (for use-before-definition).
    public internal(set) var topLevelBindings: [String: (statement: Stmt, index: Int)] = [:]

    public init(name: String, file: SourceFile, program: Program, directory: String) {
        self.name = name
        self.file = file
        self.program = program
        self.directory = directory
    }

    /// Names this module exports to importers (private ones start with `_`).
    public var exportedNames: [String] {
        (Array(declarations.keys) + Array(topLevelBindings.keys)).filter { !$0.hasPrefix("_") }.sorted()
    }

    public var description: String { "module \(name)" }
}

public struct ResolvedImport: Sendable {
    public let declaration: ImportDecl
    public let span: SourceSpan
    public let module: DCLModule?
}
