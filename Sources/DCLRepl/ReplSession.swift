// A REPL session: the state that persists between inputs, and the entry point for one input.
//
// How a session accumulates. The session owns one module, `<repl>`. Each input is parsed as its
// own source file (so diagnostics point into the line just typed), and the session module's
// program becomes the accepted definitions — imports, declarations, top-level `let`/`var` — with
// the new input's items appended, minus the earlier items the input redefines. That whole
// program is checked again (cheap at REPL sizes), and only the diagnostics that point into the
// new input are shown. If the input passes, only its own items run, in the one persistent
// evaluator; statements (`print`, `train` …) run once and are not kept. A failed input is undone:
// the module's items come back and every name it defined means what it meant before (what it
// assigned to existing `var`s, and weights it trained, stay). The terminal side (prompts,
// readline, Ctrl-C) lives in `Repl`; this type does no terminal input/output of its own, so
// tests drive it directly.

import DCLCompiler
import DCLDiagnostics
import DCLRuntime
import DCLSema
import DCLSyntax
import Foundation

public final class ReplSession {
    public struct Options {
        /// Seed of every random choice, as `dcl run --seed`.
        public var seed: UInt64 = 0
        /// Kernel threads (nil: the machine's cores).
        public var threads: Int?
        /// ANSI colours in diagnostics.
        public var color = false
        /// Live training progress bars (drawn on standard error).
        public var progressBars = false
        /// Where relative data and weight paths resolve (`dcl repl FILE` uses FILE's directory).
        public var directory = FileManager.default.currentDirectoryPath
        /// Read for `DCL_PATH` and `DCL_STDLIB`.
        public var environment = ProcessInfo.processInfo.environment
        public init() {}
    }

    public let options: Options
    /// Results and `print` output, one call per line or block (no trailing newline).
    let output: (String) -> Void
    /// Diagnostics and messages about the session itself (no trailing newline).
    let errors: (String) -> Void
    /// Polled between statements, loop iterations and training batches; true stops the running
    /// input (Ctrl-C). The terminal loop points it at the SIGINT flag.
    public var interruptRequested: () -> Bool = { false }
    /// Set by `:quit`.
    public internal(set) var quitRequested = false
    /// Files loaded with `:load` (or `dcl repl FILE`), in order, for `:reload`.
    public internal(set) var loadedFiles: [String] = []

    var state: SessionState

    public init(options: Options = Options(), output: @escaping (String) -> Void, errors: @escaping (String) -> Void) {
        self.options = options
        self.output = output
        self.errors = errors
        state = SessionState(options: options, output: output)
        state.evaluator.shouldInterrupt = { [unowned self] in self.interruptRequested() }
    }

    /// Handles one complete input — a `:command` or dcl code — and reports whether it succeeded.
    /// Blank input succeeds and does nothing.
    @discardableResult
    public func submit(_ input: String) -> Bool {
        let trimmed = input.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return true }
        if trimmed.hasPrefix(":") { return command(trimmed) }
        return runCode(input, path: nil)
    }

    /// Loads a file into the session: its definitions join the session and its statements run.
    /// If a statement fails, the definitions made before it stay (to be inspected), unlike a
    /// typed input, which is undone as a whole.
    @discardableResult
    public func load(_ path: String) -> Bool { load(path, command: nil) }

    /// `load` for `command` (`load`, `reload`), which prefixes its errors: `:load: …`.
    func load(_ path: String, command: String?) -> Bool {
        let data: Data
        do { data = try ReplFiles.read(path) } catch {
            errors((command.map { ":\($0): " } ?? "error: ") + ReplFiles.describe(error))
            return false
        }
        if !loadedFiles.contains(path) { loadedFiles.append(path) }
        return runCode(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Starts over: a fresh session that loads the same files again.
    @discardableResult
    public func reload() -> Bool {
        state = SessionState(options: options, output: output)
        state.evaluator.shouldInterrupt = { [unowned self] in self.interruptRequested() }
        var ok = true
        for path in loadedFiles { ok = load(path, command: "reload") && ok }
        return ok
    }

    /// Names the session defines (declarations and top-level bindings), in definition order.
    public var definedNames: [String] {
        state.items.compactMap { ReplSession.definedName($0) }
    }

    /// The name an item defines, if it is a declaration or a top-level binding.
    static func definedName(_ item: Stmt) -> String? {
        switch item.kind {
        case .decl(let d): return d.name.name
        case .binding(let name, _, _, _): return name.name
        default: return nil
        }
    }

    /// Renders diagnostics for the error stream, without the trailing blank line.
    func report(_ diagnostics: [Diagnostic]) {
        guard !diagnostics.isEmpty else { return }
        let renderer = DiagnosticRenderer(sources: state.sources, color: options.color)
        var text = renderer.render(diagnostics)
        while text.hasSuffix("\n") { text.removeLast() }
        errors(text)
    }
}

/// Everything `:reload` throws away: sources, loaded modules, the session module and its
/// evaluator with the values computed so far.
final class SessionState {
    let sources = SourceManager()
    let loader: ModuleLoader
    let module: DCLModule
    let evaluator: Evaluator
    let runtime: Session
    /// Accepted definitions (imports, declarations, top-level bindings), in the order accepted.
    var items: [Stmt] = []
    /// The imports of the accepted definitions.
    var imports: [ResolvedImport] = []
    /// Modules that hold one input each (not importable library modules).
    var inputModules = Set<ObjectIdentifier>()
    /// Imported modules whose top-level statements have run.
    var executedModules = Set<ObjectIdentifier>()
    var inputCount = 0
    let directory: String

    init(options: ReplSession.Options, output: @escaping (String) -> Void) {
        directory = options.directory
        loader = ModuleLoader(sources: sources, diagnostics: DiagnosticEngine(errorLimit: 1_000),
                              parse: { Parser.parse($0, diagnostics: $1) }, environment: options.environment)
        let file = sources.add(path: "<repl>", bytes: [])
        module = DCLModule(name: "<repl>", file: file, program: Program(file: file.id, items: [], comments: []),
                           directory: options.directory)
        runtime = Session(threads: options.threads, isTTY: options.progressBars, output: output)
        evaluator = Evaluator(program: LoadedProgram(sources: sources, modules: [module], main: module), hooks: runtime,
                              seed: options.seed)
        runtime.attach(evaluator)
    }

    var environment: Environment { evaluator.environment(of: module) }

    /// The library modules the session module imports, directly or not, in load order (every
    /// module after those it imports).
    func importedModules() -> [DCLModule] {
        var reachable = Set<ObjectIdentifier>()
        var stack = module.imports.compactMap(\.module)
        while let m = stack.popLast() {
            guard reachable.insert(ObjectIdentifier(m)).inserted else { continue }
            stack += m.imports.compactMap(\.module)
        }
        return loader.ordered.filter { reachable.contains(ObjectIdentifier($0)) && !inputModules.contains(ObjectIdentifier($0)) }
    }
}
