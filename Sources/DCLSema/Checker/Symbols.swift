// Names and what they stand for. Scopes nest: built-ins, then a module's imports and its own
// top-level names, then function/model/block bodies and blocks inside them.

import DCLDiagnostics
import DCLSyntax

/// Which side of the device-cloud boundary a value lives on (placement is tracked for data and
/// models; `nil` facts mean "not known statically", which the runtime then checks).
public enum Side: String, Sendable, Hashable {
    case cloud, device
}

/// What the checker knows about where a value may go.
public struct PlacementFacts: Sendable, Hashable {
    /// For data: the side it was born on.
    public var side: Side?
    /// For models: readable only on the cloud (a split's cloud half, or anything containing it).
    public var cloudOnly: Bool = false
    /// Human-readable origin for messages (`base.cloud`, `d.train`).
    public var origin: String?

    public init(side: Side? = nil, cloudOnly: Bool = false, origin: String? = nil) {
        self.side = side
        self.cloudOnly = cloudOnly
        self.origin = origin
    }

    public static let unknown = PlacementFacts()

    /// Facts of a value built from several (a concatenation, a fused model).
    public func merged(with other: PlacementFacts) -> PlacementFacts {
        var side: Side?
        if self.side == .device || other.side == .device { side = .device } else { side = self.side ?? other.side }
        // Messages name what makes the whole cloud-only or device-side: `d.train`, not the
        // `cloud.data` it was concatenated to.
        let origin: String?
        if cloudOnly { origin = self.origin } else if other.cloudOnly { origin = other.origin }
        else if side == .device, self.side != .device { origin = other.origin }
        else { origin = self.origin ?? other.origin }
        return PlacementFacts(side: side, cloudOnly: cloudOnly || other.cloudOnly, origin: origin)
    }
}

public enum SymbolKind {
    case builtin(BuiltinSpec)
    case declaration(Decl, DCLModule)
    /// `let` (immutable) or `var`; top-level ones remember their item index.
    case binding(mutable: Bool, topLevelIndex: Int?, module: DCLModule?)
    case parameter
    case loopVariable
    /// A tensor inside a model or block body (inputs and named intermediate values).
    case tensor
    /// A column of the training batch inside a `minimizing` objective (`x`, `y`, `user` …).
    case batchColumn
    /// An import alias (`import std.vision as v`).
    case module(DCLModule)
    /// A name two imports both define; an error where it is used.
    case ambiguous([DCLModule])
}

public final class Symbol {
    public let name: String
    public let kind: SymbolKind
    public var type: DCLType
    /// Where the name was defined (`SourceSpan.none` for built-ins).
    public let span: SourceSpan
    public var facts: PlacementFacts

    public init(name: String, kind: SymbolKind, type: DCLType, span: SourceSpan, facts: PlacementFacts = .unknown) {
        self.name = name
        self.kind = kind
        self.type = type
        self.span = span
        self.facts = facts
    }

    /// A name the interpreter's environment binds (a `let`, `var`, parameter or loop variable),
    /// as opposed to a declaration or built-in: a bare option name is read as a choice only if
    /// no such name exists.
    public var holdsRunTimeValue: Bool {
        switch kind {
        case .binding, .parameter, .loopVariable: return true
        default: return false
        }
    }

    public var isMutable: Bool {
        if case .binding(let m, _, _) = kind { return m }
        if case .tensor = kind { return true }
        return false
    }
}

enum ScopeKind {
    case module
    case function(returns: DCLType?)
    /// A model or block body: tensor bindings may be (re)assigned freely.
    case layerBody
    case loop
    case plain
}

/// A checker scope. Bindings live in parallel arrays (most scopes are a call's parameters or a
/// loop's variable, and a scan over a few short names is cheaper than hashing the name in every
/// scope of the chain); a scope past `indexThreshold` names (module and built-in scopes) keeps
/// a name → slot index as well.
final class Scope {
    let parent: Scope?
    let kind: ScopeKind
    private var names: [String] = []
    private var entries: [Symbol] = []
    private var index: [String: Int]?
    private static let indexThreshold = 8
    /// A module's scope, once built, also keeps every name visible from it — its own, then the
    /// imported, then the built-in — in one table (`sealVisibleNames`): a lookup that reaches
    /// it hashes the name once, where it hashed it in each of the three scopes on the way to a
    /// built-in. Only the sealed scope may define names afterwards (it keeps the table current).
    private var visible: [String: Symbol]?

    init(parent: Scope?, kind: ScopeKind) {
        self.parent = parent
        self.kind = kind
    }

    /// This scope's symbols by name.
    var symbols: [String: Symbol] {
        Dictionary(zip(names, entries), uniquingKeysWith: { _, last in last })
    }

    @inline(__always)
    private func slot(of name: String) -> Int? {
        if let index { return index[name] }
        return names.positionOfName(name)
    }

    func define(_ s: Symbol) {
        if visible != nil { visible![s.name] = s }
        if let i = slot(of: s.name) {
            entries[i] = s
            return
        }
        names.append(s.name)
        entries.append(s)
        if index != nil {
            index![s.name] = names.count - 1
        } else if names.count > Self.indexThreshold {
            var ix: [String: Int] = [:]
            ix.reserveCapacity(names.count * 2)
            for (i, n) in names.enumerated() { ix[n] = i }
            index = ix
        }
    }

    func lookupLocal(_ name: String) -> Symbol? { slot(of: name).map { entries[$0] } }

    func lookup(_ name: String) -> Symbol? {
        // Walked without retaining each scope: `self` holds the chain while this call runs.
        unowned(unsafe) var cur = self
        while true {
            if let table = cur.visible { return table[name] }
            if let i = cur.slot(of: name) { return cur.entries[i] }
            guard let parent = cur.parent else { return nil }
            cur = parent
        }
    }

    /// Makes this scope answer lookups of every name visible from it with one table (see
    /// `visible`). Its parents must not change afterwards.
    func sealVisibleNames() {
        var chain: [Scope] = []
        var s: Scope? = self
        while let cur = s {
            chain.append(cur)
            s = cur.parent
        }
        var table: [String: Symbol] = [:]
        table.reserveCapacity(chain.reduce(0) { $0 + $1.names.count })
        // Outermost first, so an inner scope's name replaces an outer one's.
        for scope in chain.reversed() {
            for (name, symbol) in zip(scope.names, scope.entries) { table[name] = symbol }
        }
        visible = table
    }

    /// Every name visible from here (for "did you mean" hints and completion).
    var visibleNames: Set<String> {
        var names = Set<String>()
        var s: Scope? = self
        while let cur = s {
            names.formUnion(cur.names)
            s = cur.parent
        }
        return names
    }

    var isInsideLoop: Bool {
        var s: Scope? = self
        while let cur = s {
            switch cur.kind {
            case .loop: return true
            case .function, .layerBody, .module: return false
            case .plain: s = cur.parent
            }
        }
        return false
    }

    /// The nearest enclosing function's expected return type, or nil outside functions.
    var enclosingFunction: (Scope, DCLType?)? {
        var s: Scope? = self
        while let cur = s {
            if case .function(let r) = cur.kind { return (cur, r) }
            if case .layerBody = cur.kind { return (cur, .tensor) }
            if case .module = cur.kind { return nil }
            s = cur.parent
        }
        return nil
    }

    var isInLayerBody: Bool {
        var s: Scope? = self
        while let cur = s {
            if case .layerBody = cur.kind { return true }
            if case .function = cur.kind { return false }
            if case .module = cur.kind { return false }
            s = cur.parent
        }
        return false
    }
}
