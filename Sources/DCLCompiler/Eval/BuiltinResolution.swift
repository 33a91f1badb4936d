// Which built-in a name means where no scope binds it. Every layer call in a model body
// (`conv2d(…)`, `|> relu`) asks, and the answer took five or six dictionary lookups of the
// name — the module's declarations and top-level bindings, each import's, the catalog — on
// every call: ~5 % of `dcl check` on the parse benchmark.
//
// Under a check the program cannot change (the REPL adds declarations between inputs, so it
// never uses the memo), so the answer per module and name is remembered. A dictionary keyed by
// module and name still hashed the name on every call (~1.5 % of the parse benchmark); the memo
// now finds a name written in the program by its syntax node's id, an array index. The memo
// lives in the evaluator, so two sessions share nothing.

import DCLSema
import DCLSyntax

/// How a name is used: `lookup`'s order (declarations, top-level bindings, imports' aliases and
/// exports, built-ins) or a call by name's (declarations, what non-aliased imports declare or
/// bind, built-ins).
enum NameUse: Hashable {
    case value
    case callee
}

/// The memo of one module. A name written in the program is remembered by its syntax node: the
/// node's id indexes `keyOfNode` (4 bytes per node, no hashing), which points at the name's
/// entry; the entry keeps the name, so a node id that meant another name (a node made outside
/// the parser) is recomputed, never misread. Names met without a node hash once per lookup.
struct ModuleNameMemo {
    let module: ObjectIdentifier
    /// What a name means for each use: not asked yet, a declaration/binding/import/nothing
    /// (nil spec), or a built-in.
    enum Answer {
        case unasked
        case answered(BuiltinSpec?)
    }
    struct Entry {
        let name: String
        var value = Answer.unasked
        var callee = Answer.unasked
    }
    /// Entry 0 is a placeholder, so a zero in `keyOfNode` means "no entry".
    var entries = [Entry(name: "")]
    var keyOfName: [String: Int] = [:]
    var keyOfNode: [UInt32] = []

    init(module: ObjectIdentifier) { self.module = module }

    /// The entry of `name` written at `node`, made if needed.
    mutating func key(of name: String, node: NodeID?) -> Int {
        var slot = -1
        if let node, node.raw > 0, Int(node.raw) <= Self.maxNodes {
            slot = Int(node.raw)
            if slot < keyOfNode.count {
                let k = Int(keyOfNode[slot])
                if k != 0, entries[k].name == name { return k }
            }
        }
        let k: Int
        if let known = keyOfName[name] {
            k = known
        } else {
            k = entries.count
            entries.append(Entry(name: name))
            keyOfName[name] = k
        }
        if slot >= 0, k <= Int(UInt32.max) {
            if slot >= keyOfNode.count {
                let size = Swift.min(Self.maxNodes + 1, Swift.max(slot + 1, 2 * keyOfNode.count))
                keyOfNode.append(contentsOf: repeatElement(0, count: size - keyOfNode.count))
            }
            keyOfNode[slot] = UInt32(k)
        }
        return k
    }

    /// Node ids past this are remembered by name only (memory stays bounded on any input).
    static let maxNodes = 1 << 24
}

extension Evaluator {
    /// The built-in `name` (written at `node`, when it comes from the program) means in module
    /// `m` when no scope binds it (nil: a declaration, a top-level binding, an import or
    /// nothing), remembered under a check.
    func builtinNamed(_ name: String, in m: DCLModule, as use: NameUse, node: NodeID? = nil) -> BuiltinSpec? {
        guard checkMode else { return resolve(name, in: m, as: use) }
        let id = ObjectIdentifier(m)
        let memo: Int
        if let i = nameMemos.firstIndex(where: { $0.module == id }) {
            memo = i
        } else {
            nameMemos.append(ModuleNameMemo(module: id))
            memo = nameMemos.count - 1
        }
        let k = nameMemos[memo].key(of: name, node: node)
        switch use {
        case .value:
            if case .answered(let spec) = nameMemos[memo].entries[k].value { return spec }
        case .callee:
            if case .answered(let spec) = nameMemos[memo].entries[k].callee { return spec }
        }
        let spec = resolve(name, in: m, as: use)
        switch use {
        case .value: nameMemos[memo].entries[k].value = .answered(spec)
        case .callee: nameMemos[memo].entries[k].callee = .answered(spec)
        }
        return spec
    }

    private func resolve(_ name: String, in m: DCLModule, as use: NameUse) -> BuiltinSpec? {
        use == .value ? Self.resolveAsValue(name, in: m) : Self.resolveAsCallee(name, in: m)
    }

    private static func resolveAsValue(_ name: String, in m: DCLModule) -> BuiltinSpec? {
        if m.declarations[name] != nil || m.topLevelBindings[name] != nil { return nil }
        for imp in m.imports {
            guard let target = imp.module else { continue }
            if let alias = imp.declaration.alias {
                if alias.name == name { return nil }
                continue
            }
            if name.hasPrefix("_") { continue }
            if target.declarations[name] != nil || target.topLevelBindings[name] != nil { return nil }
        }
        return Builtins.spec(name)
    }

    private static func resolveAsCallee(_ name: String, in m: DCLModule) -> BuiltinSpec? {
        if m.declarations[name] != nil { return nil }
        let shadowed = m.imports.contains { imp in
            guard let target = imp.module, imp.declaration.alias == nil else { return false }
            return target.declarations[name] != nil || target.topLevelBindings[name] != nil
        }
        return shadowed ? nil : Builtins.spec(name)
    }
}
