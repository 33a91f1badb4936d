// The static checker: names, arity, argument types and named arguments, use before
// definition, declaration cycles, placement (what may live on a device, what may cross) and
// budget units — before anything runs. Tensor shapes are checked by elaborating models with the
// compiler's lowering (the same op table that runs them), see DCLCompiler's ShapeChecker.
//
// One error never stops the analysis of the rest of the file: an ill-typed expression gets the
// type `any`, which is compatible with everything, so it causes no follow-on errors.

import DCLDiagnostics
import DCLSyntax

/// Identifies an AST node across modules.
public struct NodeKey: Hashable, Sendable {
    public let file: FileID
    public let node: NodeID
    public init(file: FileID, node: NodeID) { self.file = file; self.node = node }
}

/// Inferred types by node: one dense array per file, since the parser numbers a file's nodes
/// from 0 (a dictionary keyed by `NodeKey` was a tenth of the checker's time in hashing).
public struct NodeTypes {
    private var files: [[DCLType?]] = []

    public subscript(key: NodeKey) -> DCLType? {
        get {
            let f = Int(key.file.raw), n = Int(key.node.raw)
            guard f >= 0, f < files.count, n >= 0, n < files[f].count else { return nil }
            return files[f][n]
        }
        set {
            let f = Int(key.file.raw), n = Int(key.node.raw)
            guard f >= 0, n >= 0 else { return }
            if f >= files.count { files.append(contentsOf: repeatElement([], count: f + 1 - files.count)) }
            if n >= files[f].count {
                // Doubling, so a file's nodes cost amortised O(1) each.
                files[f].append(contentsOf: repeatElement(nil, count: max(n + 1, 2 * files[f].count) - files[f].count))
            }
            files[f][n] = newValue
        }
    }
}

/// A module's declaration whose type the checker remembers (a pair rather than the string
/// `module.name`, which was built and hashed on every use of a declared name).
struct DeclarationRef: Hashable {
    let module: String
    let name: String
}

public final class Checker {
    public let diagnostics: DiagnosticEngine
    let modules: [DCLModule]

    /// The inferred type of every checked expression.
    public private(set) var types = NodeTypes()
    /// Per module: the types of its top-level bindings (read by importers).
    var topLevelTypes: [String: [String: Symbol]] = [:]
    /// Per module: its scope of top-level names (kept for the REPL and the interpreter's hints).
    public private(set) var moduleScopes: [String: ScopeSnapshot] = [:]

    // Declarations whose type is being computed (cycle detection) or was computed.
    var declarationsInProgress: [(DeclarationRef, SourceSpan)] = []
    var declarationTypes: [DeclarationRef: (DCLType, PlacementFacts)] = [:]
    var functionReturnTypes: [String: DCLType] = [:]
    var functionsInProgress: Set<String> = []

    // The current module and top-level position while checking.
    var module: DCLModule!
    var currentItemIndex = Int.max
    var batchColumnNames: Set<String> = ["x", "y"]
    var functionKeyStack: [String] = []
    var checkedBodies: Set<String> = []
    var moduleScopeCache: [String: Scope] = [:]
    /// Placement facts of each distillation's teacher (for `distill … on data`).
    var distillTeachers: [String: PlacementFacts] = [:]

    /// `modules` in load order: every module after those it imports (ModuleLoader.ordered).
    public init(modules: [DCLModule], diagnostics: DiagnosticEngine) {
        self.modules = modules
        self.diagnostics = diagnostics
    }

    /// Checks every module. Diagnostics go to the engine.
    public func check() {
        // Inputs of every model declared anywhere may appear as batch columns in objectives.
        for m in modules {
            for decl in m.declarations.values {
                guard case .model(let md) = decl.kind else { continue }
                for stmt in md.body.statements {
                    if case .input(let name, _) = stmt.kind { batchColumnNames.insert(name.name) }
                }
            }
        }
        for m in modules { checkModule(m) }
    }

    // MARK: - Modules

    let builtinScope: Scope = {
        let s = Scope(parent: nil, kind: .module)
        for spec in Builtins.all {
            s.define(Symbol(name: spec.name, kind: .builtin(spec), type: Checker.typeOfBuiltinName(spec), span: .none))
        }
        return s
    }()

    static func typeOfBuiltinName(_ spec: BuiltinSpec) -> DCLType {
        switch spec.kind {
        case .layer: return spec.isBareLayer ? .layer : .function
        default:
            if spec.params.isEmpty, case .fixed(let t) = spec.returns, spec.kind == .partitioner || spec.kind == .schedule {
                return t
            }
            return .function
        }
    }

    func checkModule(_ m: DCLModule) {
        module = m
        declarationsInProgress = []
        let scope = moduleScope(for: m)
        moduleScopeCache[m.name] = scope
        // Top-level items in order: declarations are checked where they are written (their
        // bodies see every declaration; lets only those above), statements run in order.
        for (index, item) in m.program.items.enumerated() {
            currentItemIndex = index
            switch item.kind {
            case .importDecl:
                continue
            case .decl(let d):
                checkDeclaration(d, in: scope, index: index)
            default:
                checkStatement(item, in: scope, topLevel: true)
            }
        }
        currentItemIndex = Int.max
        topLevelTypes[m.name] = scope.symbols
        moduleScopes[m.name] = ScopeSnapshot(names: scope.visibleNames.sorted())
    }

    /// The scope of a module: built-ins, then imported names, then its own declarations and
    /// top-level bindings (the latter typed as they are checked, in order).
    func moduleScope(for m: DCLModule) -> Scope {
        let imports = Scope(parent: builtinScope, kind: .module)
        var importedFrom: [String: [DCLModule]] = [:]
        for imp in m.imports {
            guard let target = imp.module else { continue }
            if let alias = imp.declaration.alias {
                imports.define(Symbol(name: alias.name, kind: .module(target), type: .module, span: alias.span))
                continue
            }
            for name in target.exportedNames {
                importedFrom[name, default: []].append(target)
            }
        }
        for (name, sources) in importedFrom {
            let unique = sources.reduce(into: [DCLModule]()) { acc, mod in
                if !acc.contains(where: { $0 === mod }) { acc.append(mod) }
            }
            if unique.count > 1 {
                imports.define(Symbol(name: name, kind: .ambiguous(unique), type: .any, span: .none))
            } else if let src = unique.first, let sym = exportedSymbol(name, of: src) {
                imports.define(sym)
            }
        }
        let own = Scope(parent: imports, kind: .module)
        for (name, decl) in m.declarations {
            own.define(Symbol(name: name, kind: .declaration(decl, m), type: declaredType(decl), span: decl.name.span))
        }
        for (name, entry) in m.topLevelBindings where m.declarations[name] == nil {
            guard case .binding(let id, _, _, let mutable) = entry.statement.kind else { continue }
            own.define(Symbol(name: name, kind: .binding(mutable: mutable, topLevelIndex: entry.index, module: m),
                              type: .any, span: id.span))
        }
        own.sealVisibleNames()
        return own
    }

    func exportedSymbol(_ name: String, of m: DCLModule) -> Symbol? {
        if let decl = m.declarations[name] {
            return Symbol(name: name, kind: .declaration(decl, m), type: declaredType(decl), span: decl.name.span)
        }
        if let sym = topLevelTypes[m.name]?[name] {
            // An imported binding is fully defined (its module ran first).
            return Symbol(name: name, kind: .binding(mutable: false, topLevelIndex: nil, module: m), type: sym.type,
                          span: sym.span, facts: sym.facts)
        }
        return nil
    }

    /// The type a declaration's name has, before its body or value is checked.
    func declaredType(_ d: Decl) -> DCLType {
        switch d.kind {
        case .function: return .function
        case .model(let md): return md.params == nil ? .model : .constructor
        case .block: return .constructor
        case .data: return .any
        case .split: return .split
        case .distill: return .distill
        case .plugin: return .plugin
        case .retrieval: return .retrieval
        case .role(_, let count, _): return .role(fleet: count != nil)
        case .bundle: return .bundle
        case .param(_, let t, _): return ScriptParamType(t).map(\.type) ?? .any
        }
    }

    // MARK: - Recording

    @discardableResult
    func record(_ e: Expr, _ t: DCLType) -> DCLType {
        types[NodeKey(file: e.span.file, node: e.id)] = t
        return t
    }

    public func type(of e: Expr, in file: FileID) -> DCLType? { types[NodeKey(file: file, node: e.id)] }

    /// The inferred type of an expression, keyed by the file it was parsed from — which is not
    /// always its module's file: the REPL's session module holds items parsed from many inputs.
    public func type(of e: Expr) -> DCLType? { types[NodeKey(file: e.span.file, node: e.id)] }

    func error(_ code: SemaCode, _ message: String, at span: SourceSpan, hint: String? = nil) {
        diagnostics.error(code, message, at: span, hint: hint)
    }

    /// Reports an unknown name with the closest visible one as a hint.
    func unknownName(_ name: Identifier, in scope: Scope, what: String = "name") {
        // A StdLib name is most likely a missing import, not a typo.
        var hint = stdlibHome[name.name].map { "`\(name.name)` is defined in `\($0)`; add `import \($0)`" }
        if hint == nil { hint = closestName(to: name.name, among: scope.visibleNames).map { "did you mean `\($0)`?" } }
        error(.unknownName, "unknown \(what) `\(name.name)`", at: name.span, hint: hint)
    }

    /// Well-known StdLib names, for "add `import std.vision`" hints.
    let stdlibHome: [String: String] = [
        "lenet": "std.vision", "resnet": "std.vision", "mobilenet": "std.vision", "vit": "std.vision",
        "residual": "std.vision", "separable": "std.vision", "vit_block": "std.vision",
        "mlp": "std.nn", "self_attention": "std.nn", "set_attention": "std.nn", "feed_forward": "std.nn",
        "inter_image_attention": "std.iciia", "iciia_head": "std.iciia", "iciia_layer": "std.iciia",
        "mnist_dataset": "std.data", "digits_dataset": "std.data", "movielens_dataset": "std.data",
        "ctr": "std.rec", "logistic": "std.rec", "dcccl_round": "std.dcccl",
    ]
}

/// The names visible at the top of a module (for completion).
public struct ScopeSnapshot: Sendable {
    public let names: [String]
}
