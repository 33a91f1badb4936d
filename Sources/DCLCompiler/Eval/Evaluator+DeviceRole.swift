// What a device host evaluates of a script: only the data of one device role. The role's
// declaration names what it reads; the main module's top-level `let`/`var` bindings among
// those names (and, in turn, the names they read) run in program order, and nothing else of
// the script does — no training, no cloud data the role does not read, no prints.
// Declarations are evaluated on first use, as in every run. Names are found in the source
// text, so the set can only be too large (a name in a comment or string), never too small.

import DCLData
import DCLSema
import DCLDiagnostics
import DCLSyntax

extension Evaluator {
    /// The clients of the device role `name`, as the full run would have made them (the
    /// service compares fingerprints of every part it sends work on).
    public func deviceRoleClients(_ name: String) throws -> FederatedDataset {
        let main = program.main
        let items = main.program.items
        func text(_ span: SourceSpan) -> String { program.sources.file(span.file)?.text(of: span) ?? "" }
        guard let roleItem = items.first(where: { item in
            if case .decl(let d) = item.kind, case .role(let n, _, _) = d.kind { return n.name == name }
            return false
        }) else {
            throw RuntimeError(RuntimeCode.name, "the script declares no role `\(name)`", at: .none,
                               hint: Self.deviceRoleNames(in: main).isEmpty ? "declare one: `role device[20] { data: … }`"
                                   : "its device roles: \(Self.deviceRoleNames(in: main).joined(separator: ", "))")
        }
        var needed = Self.identifiers(in: text(roleItem.span))
        var expanded: Set<String> = []
        var grew = true
        while grew {
            grew = false
            for item in items {
                guard let n = Self.topLevelName(item), needed.contains(n), !expanded.contains(n) else { continue }
                expanded.insert(n)
                needed.formUnion(Self.identifiers(in: text(item.span)))
                grew = true
            }
        }
        for m in program.modules where m !== main { try runModule(m) }
        let env = environment(of: main)
        for (index, item) in items.enumerated() {
            if case .binding(let n, _, _, _) = item.kind, needed.contains(n.name) {
                try executeTopLevel(item, index: index, in: env)
            }
        }
        guard case .role(let r) = try lookup(name, in: env, span: roleItem.span), r.count != nil else {
            throw RuntimeError(RuntimeCode.type, "`\(name)` is the cloud role, not a fleet of devices", at: roleItem.span)
        }
        guard case .clients(let c)? = r.fields["data"] else {
            throw RuntimeError(RuntimeCode.type, "role `\(name)` has no partitioned `data`", at: roleItem.span,
                               hint: "give it `data: … |> partition(…)`")
        }
        return c.federated
    }

    /// The main module's device roles (those with a count), in declaration order.
    public static func deviceRoleNames(in m: DCLModule) -> [String] {
        m.program.items.compactMap { item in
            if case .decl(let d) = item.kind, case .role(let n, let count, _) = d.kind, count != nil { return n.name }
            return nil
        }
    }

    private static func topLevelName(_ item: Stmt) -> String? {
        switch item.kind {
        case .binding(let n, _, _, _): return n.name
        case .decl(let d): return d.name.name
        default: return nil
        }
    }

    /// Every identifier-shaped word of `text`.
    static func identifiers(in text: String) -> Set<String> {
        var out: Set<String> = []
        var current = ""
        for ch in text.unicodeScalars {
            if ch == "_" || (ch.properties.isAlphabetic && ch.isASCII) || (!current.isEmpty && ch.isASCII && ch.properties.numericType != nil) {
                current.unicodeScalars.append(ch)
            } else if !current.isEmpty {
                out.insert(current)
                current = ""
            }
        }
        if !current.isEmpty { out.insert(current) }
        return out
    }
}

extension Evaluator {
    /// The number of devices of role `name`, from a check-mode run of the script (which reads
    /// no data); nil if the count is not known without data.
    public func deviceRoleCount(_ name: String) throws -> Int? {
        try run()
        guard case .role(let r) = try lookup(name, in: environment(of: program.main), span: .none) else { return nil }
        return r.count
    }
}
