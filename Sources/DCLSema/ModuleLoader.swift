// Resolves and loads imports: `import std.x` from the embedded StdLib (or $DCL_STDLIB),
// `import a.b` from the importing file's directory then each $DCL_PATH entry, and
// `import "rel/path.dcl"` relative to the importing file. Each file is parsed once; a cycle is
// reported at the import that closes it, never followed.

import DCLDiagnostics
import DCLStdLib
import DCLSyntax
import Foundation

/// Parses one source file; injected so the loader does not depend on how parsing is configured.
public typealias ParseFunction = (SourceFile, DiagnosticEngine) -> Program

public final class ModuleLoader {
    public let sources: SourceManager
    public let diagnostics: DiagnosticEngine
    let parse: ParseFunction
    let searchPath: [String]
    let environment: [String: String]

    /// Loaded modules by canonical key (absolute path, or `<stdlib>/std/x.dcl`).
    public private(set) var modules: [String: DCLModule] = [:]
    /// Load order: every module after the modules it imports.
    public private(set) var ordered: [DCLModule] = []
    private var inProgress: [String] = []

    public init(sources: SourceManager, diagnostics: DiagnosticEngine, parse: @escaping ParseFunction,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.sources = sources
        self.diagnostics = diagnostics
        self.parse = parse
        self.environment = environment
        self.searchPath = (environment["DCL_PATH"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }

    /// Loads the main file from disk. Returns nil (with a diagnostic) if it cannot be read.
    public func loadMain(path: String) -> DCLModule? {
        guard let data = FileManager.default.contents(atPath: path) else {
            let why = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            diagnostics.emit(.error(.importNotFound, "file `\(path)` \(why)", at: .none))
            return nil
        }
        return loadMain(path: path, bytes: Array(data))
    }

    /// Loads a main program from text already in hand (the REPL, tests).
    public func loadMain(path: String, bytes: [UInt8], directory: String? = nil) -> DCLModule? {
        let dir = directory ?? (path.hasPrefix("<") ? FileManager.default.currentDirectoryPath
                                                    : URL(fileURLWithPath: path).deletingLastPathComponent().path)
        let key = path.hasPrefix("<") ? path + "#\(sources.files.count)" : URL(fileURLWithPath: path).standardizedFileURL.path
        let file = sources.add(path: path, bytes: bytes)
        return load(key: key, name: path, file: file, directory: dir)
    }

    private func load(key: String, name: String, file: SourceFile, directory: String) -> DCLModule {
        let program = parse(file, diagnostics)
        let module = DCLModule(name: name, file: file, program: program, directory: directory)
        modules[key] = module
        inProgress.append(key)
        collectTopLevel(module)
        for item in program.items {
            guard case .importDecl(let imp) = item.kind else { continue }
            module.imports.append(ResolvedImport(declaration: imp, span: item.span, module: resolve(imp, span: item.span, from: module)))
        }
        inProgress.removeLast()
        ordered.append(module)
        return module
    }

    private func collectTopLevel(_ module: DCLModule) {
        var seen: [String: SourceSpan] = [:]
        // Sized once: grown one doubling at a time, the tables rehashed every name ~13 times
        // on a 50k-line program.
        let count = module.program.items.count
        seen.reserveCapacity(count)
        module.declarations.reserveCapacity(count)
        module.declarationIndex.reserveCapacity(count)
        for (index, item) in module.program.items.enumerated() {
            let name: Identifier
            switch item.kind {
            case .decl(let d):
                name = d.name
                module.declarations[name.name] = d
                module.declarationIndex[name.name] = index
            case .binding(let n, _, _, _):
                name = n
                module.topLevelBindings[n.name] = (item, index)
            default:
                continue
            }
            if let first = seen[name.name] {
                diagnostics.emit(Diagnostic.error(.definedTwice, "`\(name.name)` is defined twice in this file", at: name.span)
                    .withLabel(first, "first defined here"))
            } else {
                seen[name.name] = name.span
            }
        }
    }

    private func resolve(_ imp: ImportDecl, span: SourceSpan, from importer: DCLModule) -> DCLModule? {
        switch imp.target {
        case .module(let parts):
            let dotted = parts.map(\.name).joined(separator: ".")
            let rel = parts.map(\.name).joined(separator: "/") + ".dcl"
            let at = parts.first!.span.to(parts.last!.span)
            if parts.first?.name == "std" {
                let key = "<stdlib>/" + rel
                if let m = modules[key] { return checkCycle(key: key, module: m, at: at) }
                guard let (path, text) = StdLib.source(for: rel, environment: environment) else {
                    let hint = closestName(to: dotted, among: StdLib.moduleNames).map { "did you mean `\($0)`?" }
                    diagnostics.emit(.error(.importNotFound, "no standard library module `\(dotted)`", at: at, hint: hint))
                    return nil
                }
                let file = sources.add(path: path, text: text)
                return load(key: key, name: dotted, file: file, directory: importer.directory)
            }
            let candidates = [importer.directory] + searchPath
            for dir in candidates {
                let full = URL(fileURLWithPath: dir).appendingPathComponent(rel).standardizedFileURL.path
                if FileManager.default.fileExists(atPath: full) {
                    return loadFile(full, name: dotted, at: at)
                }
            }
            diagnostics.emit(.error(.importNotFound, "module `\(dotted)` not found", at: at,
                                    hint: "looked for `\(rel)` in \(candidates.map { "`\($0)`" }.joined(separator: ", ")); set DCL_PATH to add directories"))
            return nil
        case .file(let relPath, let at):
            let full = relPath.hasPrefix("/") ? relPath
                : URL(fileURLWithPath: importer.directory).appendingPathComponent(relPath).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: full) else {
                diagnostics.emit(.error(.importNotFound, "imported file `\(relPath)` not found", at: at,
                                        hint: "relative imports resolve against `\(importer.directory)`"))
                return nil
            }
            return loadFile(full, name: relPath, at: at)
        }
    }

    private func loadFile(_ full: String, name: String, at: SourceSpan) -> DCLModule? {
        if let m = modules[full] { return checkCycle(key: full, module: m, at: at) }
        guard let data = FileManager.default.contents(atPath: full) else {
            diagnostics.emit(.error(.importNotFound, "imported file `\(full)` cannot be read", at: at))
            return nil
        }
        let file = sources.add(path: full, bytes: Array(data))
        return load(key: full, name: name, file: file, directory: URL(fileURLWithPath: full).deletingLastPathComponent().path)
    }

    private func checkCycle(key: String, module: DCLModule, at: SourceSpan) -> DCLModule? {
        guard let start = inProgress.firstIndex(of: key) else { return module }
        let chain = (inProgress[start...].map { modules[$0]?.name ?? $0 } + [module.name]).joined(separator: " → ")
        diagnostics.emit(.error(.importCycle, "import cycle: \(chain)", at: at,
                                hint: "move the shared declarations into a module both can import"))
        return nil
    }
}
