// dcl code typed into the session: parse it as its own file, check it together with the
// session's definitions, then run its items in the persistent evaluator (see ReplSession.swift
// for how the session accumulates).

import DCLCompiler
import DCLDiagnostics
import DCLSema
import DCLSyntax
import Foundation

/// An input that passed checking and is now part of the session module, not yet run: `execute`
/// runs it (and keeps or undoes it), `unstage` drops it unrun (`:type`, `:shape` …).
struct StagedInput {
    /// The input's own items, in order.
    let newItems: [Stmt]
    /// The session module's items with the input: the accepted ones it does not redefine, then its own.
    let items: [Stmt]
    let imports: [ResolvedImport]
    /// Names the input defines that the session already defined.
    let redefined: [String]
    /// The checker that accepted it (for `:type`).
    let checker: Checker
}

extension ReplSession {
    /// Runs code: a typed input (`path` nil) or a loaded file.
    func runCode(_ text: String, path: String?) -> Bool {
        guard let staged = stage(text, path: path) else { return false }
        return execute(staged, typed: path == nil)
    }

    /// Parses and checks an input against the session's definitions. On success the session
    /// module holds the staged program; on failure the diagnostics that point into the input (or
    /// into modules it imported for the first time) are reported and nothing changes.
    func stage(_ text: String, path: String?) -> StagedInput? {
        let s = state
        s.inputCount += 1
        let firstNewFile = s.sources.files.count
        let loader = s.loader
        loader.diagnostics.removeAll()
        let loaded = path.map { loader.loadMain(path: $0, bytes: Array(text.utf8)) }
            ?? loader.loadMain(path: "<repl \(s.inputCount)>", bytes: Array(text.utf8), directory: s.directory)
        guard let input = loaded else {
            report(loader.diagnostics.sorted)
            return nil
        }
        s.inputModules.insert(ObjectIdentifier(input))
        if loader.diagnostics.hasErrors {
            report(loader.diagnostics.sorted)
            return nil
        }

        let newItems = input.program.items
        let newNames = Set(newItems.compactMap(ReplSession.definedName))
        let redefined = s.items.compactMap(ReplSession.definedName).filter { newNames.contains($0) }
        let items = s.items.filter { ReplSession.definedName($0).map { !newNames.contains($0) } ?? true } + newItems
        let imports = s.imports + input.imports
        s.module.replaceItems(items, imports: imports)

        // The whole program again; only what points into this input (or modules it was first
        // to import) is news. Old items a redefinition breaks have run already and stay quiet.
        let engine = DiagnosticEngine(errorLimit: 100_000)
        let checker = Checker(modules: s.importedModules() + [s.module], diagnostics: engine)
        checker.check()
        var news = engine.sorted.filter { $0.span.isNone || Int($0.span.file.raw) >= firstNewFile }
        if !news.contains(where: { $0.severity == .error }) {
            news += checkModelShapes(newItems)
        }
        report(news)
        if news.contains(where: { $0.severity == .error }) {
            s.module.replaceItems(s.items, imports: s.imports)
            return nil
        }
        return StagedInput(newItems: newItems, items: items, imports: imports, redefined: redefined, checker: checker)
    }

    /// Puts the session module back as it was before `stage`.
    func unstage(_ staged: StagedInput) {
        state.module.replaceItems(state.items, imports: state.imports)
    }

    /// Elaborates the input's new model declarations whose parameters all have defaults, without
    /// weights — the shape errors `dcl check` would report, before the model is first used.
    private func checkModelShapes(_ newItems: [Stmt]) -> [Diagnostic] {
        let models = newItems.compactMap { item -> Decl? in
            guard case .decl(let d) = item.kind, case .model(let md) = d.kind,
                  (md.params ?? []).allSatisfy({ $0.defaultValue != nil }) else { return nil }
            return d
        }
        guard !models.isEmpty else { return [] }
        let ev = checkModeEvaluator()
        var found: [Diagnostic] = []
        for d in models {
            guard case .model(let md) = d.kind else { continue }
            do {
                _ = try ev.declarationValue(d, in: state.module, span: d.name.span)
                if md.params != nil { _ = try ev.elaborator.constructDefault(md, in: state.module, span: d.name.span) }
            } catch let e as RuntimeError {
                // A name without a value in check mode (a `let` computed from data) is not an error.
                if e.code != RuntimeCode.name { found.append(e.diagnostic) }
            } catch {}
        }
        return found
    }

    /// An evaluator that elaborates without weights, data or effects, seeing the session's
    /// current bindings (and those of its imports). It shares the session's model table: models
    /// it makes may inline the session's, and must not take their ids.
    func checkModeEvaluator() -> Evaluator {
        let s = state
        let ev = Evaluator(program: s.evaluator.program, hooks: CheckModeHooks(), seed: options.seed, checkMode: true,
                           models: s.evaluator.elaborator.models)
        for m in s.importedModules() + [s.module] {
            ev.environment(of: m).bindings = s.evaluator.environment(of: m).bindings
        }
        return ev
    }

    /// Runs a staged input's items. On success its definitions become the session's; on failure
    /// the error is reported and the session is put back — all of it for a `typed` input, which
    /// leaves no half-defined names; for a loaded file, the definitions made before the failing
    /// statement stay, to be inspected. A typed expression statement shows its value (as in any
    /// REPL); a file's do not (as in `dcl run`).
    func execute(_ staged: StagedInput, typed: Bool) -> Bool {
        let s = state
        let saved = s.evaluator.save(Set(staged.newItems.compactMap(ReplSession.definedName)), of: s.module)
        let env = s.environment
        var done = 0
        do {
            for m in s.importedModules() where !s.executedModules.contains(ObjectIdentifier(m)) {
                try s.evaluator.runModule(m)
                s.executedModules.insert(ObjectIdentifier(m))
            }
            // A redefining declaration must not be shadowed by the old binding or answered by
            // the old declaration's remembered value. (A redefining binding simply overwrites.)
            for item in staged.newItems {
                guard case .decl(let d) = item.kind, staged.redefined.contains(d.name.name) else { continue }
                s.evaluator.forgetDeclaration(d.name.name, in: s.module)
                env.remove(d.name.name)
            }
            let base = staged.items.count - staged.newItems.count
            for (i, item) in staged.newItems.enumerated() {
                if case .expr(let e) = item.kind {
                    if interruptRequested() { throw Interrupted() }
                    let value = try s.evaluator.evaluate(e, in: env)
                    if typed, !isNone(value) { output(value.displayString) }
                } else {
                    try s.evaluator.executeTopLevel(item, index: base + i, in: env)
                }
                done = i + 1
            }
        } catch {
            reportRunFailure(error)
            if typed {
                s.evaluator.restore(saved)
                unstage(staged)
            } else {
                // Keep what ran, and the declarations (order-free, evaluated on use); drop the
                // bindings that never ran.
                let kept = staged.newItems.enumerated().filter { i, item in
                    if i < done { return true }
                    if case .decl = item.kind { return true }
                    return false
                }.map(\.element)
                let keptNames = Set(kept.compactMap(ReplSession.definedName))
                let remaining = staged.items.dropLast(staged.newItems.count)
                    .filter { ReplSession.definedName($0).map { !keptNames.contains($0) } ?? true }
                accept(Array(remaining) + kept, imports: staged.imports)
            }
            return false
        }
        accept(staged.items, imports: staged.imports)
        for name in staged.redefined { output("redefined `\(name)`") }
        return true
    }

    /// Makes `items`' definitions the session's; statements ran once and are not kept.
    private func accept(_ items: [Stmt], imports: [ResolvedImport]) {
        state.items = items.filter {
            switch $0.kind {
            case .importDecl, .decl, .binding: return true
            default: return false
            }
        }
        state.imports = imports
        state.module.replaceItems(state.items, imports: state.imports)
    }

    private func isNone(_ v: Value) -> Bool {
        if case .none = v { return true }
        return false
    }

    func reportRunFailure(_ error: Error) {
        switch error {
        case let e as RuntimeError:
            report([e.diagnostic])
        case is Interrupted:
            errors("interrupted")
        default:
            errors("error: \(ReplFiles.describe(error))")
        }
    }
}

// Hooks for elaborating without effects: no data is read, nothing trains, nothing is written.
// The REPL uses them to check a new model declaration's shapes before its first use, and to
// build the models `:summary lenet(10)` and friends describe without drawing weights.

final class CheckModeHooks: RuntimeHooks {
    func emit(_ text: String) {}
    func callBuiltin(_ spec: BuiltinSpec, _ args: BoundArguments, subject: Value?, span: SourceSpan, evaluator: Evaluator) throws -> Value {
        .unknown
    }
    func callMethod(_ receiver: Value, _ method: Method, _ args: BoundArguments, span: SourceSpan, evaluator: Evaluator) throws -> Value {
        .unknown
    }
    func train(_ request: TrainRequest, evaluator: Evaluator) throws {}
    func distill(_ distillation: DistillValue, data: Value, options: TrainOptions, span: SourceSpan, evaluator: Evaluator) throws {}
    func concatenate(_ a: Value, _ b: Value, span: SourceSpan) throws -> Value { .unknown }
    func save(_ model: Value, to path: String, span: SourceSpan) throws {}
    func load(_ model: Value, from path: String, span: SourceSpan) throws {}
}
