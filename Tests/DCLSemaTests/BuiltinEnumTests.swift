// The built-ins are one typed list (Sources/DCLSema/Catalog/Builtin.swift): the catalog has
// exactly one entry per case and no other, names are unique and turn back into their case, and
// no source file dispatches on a built-in's name as a string — so a typo in a name or a built-in
// some switch forgot is a compile error, not a run-time surprise.

import DCLSema
import Foundation
import Testing

@Suite struct BuiltinEnumTests {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    @Test func everyCaseHasExactlyOneCatalogEntryAndViceVersa() {
        let entries = Builtins.all.map(\.builtin)
        #expect(entries.count == Builtin.allCases.count, "\(entries.count) catalog entries for \(Builtin.allCases.count) cases")
        #expect(Set(entries).count == entries.count, "a built-in has two catalog entries")
        let missing = Set(Builtin.allCases).subtracting(entries), extra = Set(entries).subtracting(Builtin.allCases)
        #expect(missing.isEmpty, "cases without a catalog entry: \(missing.map(\.rawValue).sorted())")
        #expect(extra.isEmpty, "catalog entries without a case: \(extra.map(\.rawValue).sorted())")
        for b in Builtin.allCases { #expect(Builtins.spec(b).builtin == b) }
    }

    @Test func namesAreUniqueAndDenoteTheirCase() {
        let names = Builtin.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count, "a name is used by two families")
        for b in Builtin.allCases {
            #expect(Builtin(rawValue: b.rawValue) == b)
            #expect(Builtins.spec(b.rawValue)?.builtin == b)
            #expect(b.rawValue.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "`\(b.rawValue)` is not a script name")
        }
        #expect(Builtin(rawValue: "nosuch") == nil)
        #expect(Builtins.spec("Linear") == nil, "names are case-sensitive")
    }

    @Test func kindsFollowFamilies() {
        #expect(Builtins.all.filter { $0.kind == .layer }.map(\.name) == LayerBuiltin.allCases.map(\.rawValue))
        #expect(Builtins.all.filter { $0.kind == .dataSource }.map(\.name) == DataSourceBuiltin.allCases.map(\.rawValue))
        #expect(Builtins.all.filter { $0.kind == .transform }.map(\.name) == TransformBuiltin.allCases.map(\.rawValue))
        // The reductions are exactly the layers whose result follows the `.reduction` rule.
        for l in LayerBuiltin.allCases {
            let isReductionRule: Bool
            if case .reduction = Builtins.spec(.layer(l)).returns { isReductionRule = true } else { isReductionRule = false }
            #expect((l.reduction != nil) == isReductionRule, "\(l.rawValue)")
        }
        for r in ReductionLayer.allCases { #expect(r.layer.reduction == r) }
    }

    // MARK: - No dispatch on names

    /// Where a `case "…"` arm's string equals a built-in's name but means something else.
    static let otherMeanings: [String: Set<String>] = [
        // `train` statement options.
        "DCLCompiler/Eval/Evaluator+Statements.swift": ["seed", "shuffle", "log"],
        // `param` type names.
        "DCLSema/ScriptParams.swift": ["int", "float"],
    ]

    /// Lines of `text` that dispatch on a built-in's name: `switch spec.name`, `spec.name ==`,
    /// `[…].contains(spec.name)`, `Builtins.spec("…")`, or a `case "…"` arm naming a built-in
    /// (other than the names `allowed` in this file).
    static func nameDispatches(in text: String, allowed: Set<String>) throws -> [String] {
        let names = Set(Builtin.allCases.map(\.rawValue))
        // No `\b`: Swift's default word boundaries do not split `call.spec` at the dot.
        let dispatch = try Regex(#"switch\s+[\w.]*spec\.name(?!\w)|spec\.name\s*[=!]=|[=!]=\s*[\w.]*spec\.name(?!\w)|contains\([\w.]*spec\.name\)|Builtins\.spec\(""#)
        let literal = try Regex(#""([a-z0-9_]+)""#)
        var found: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if line.firstMatch(of: dispatch) != nil { found.append(String(trimmed)); continue }
            guard trimmed.hasPrefix("case \"") else { continue }
            let head = trimmed.prefix { $0 != ":" }
            let named = head.matches(of: literal).compactMap { m in m.output[1].substring.map(String.init) }
            if named.contains(where: { names.contains($0) && !allowed.contains($0) }) { found.append(String(trimmed)) }
        }
        return found
    }

    @Test func theScanFindsNameDispatch() throws {
        let bad = "switch spec.name {\n    case \"conv2d\", \"depthwise\": break\n}\nif call.spec.name == \"relu\" {}\n"
            + "let s = Builtins.spec(\"linear\")!\nif [\"copy\"].contains(spec.name) {}\n"
        #expect(try Self.nameDispatches(in: bad, allowed: []).count == 5)
        #expect(try Self.nameDispatches(in: "case \"mean\": return m", allowed: ["mean"]).isEmpty)
        #expect(try Self.nameDispatches(in: "case \"user\": break\ncase .layer(.conv2d): break", allowed: []).isEmpty)
    }

    @Test func noSourceDispatchesOnABuiltinName() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 100)
        var scanned = 0
        for f in files {
            let relative = String(f.path.dropFirst(sources.path.count + 1))
            let text = try String(contentsOf: f, encoding: .utf8)
            // Only code that can see the catalog can dispatch on it (the engine has its own names).
            guard relative.hasPrefix("DCLSema/") || text.contains("import DCLSema") else { continue }
            scanned += 1
            let found = try Self.nameDispatches(in: text, allowed: Self.otherMeanings[relative] ?? [])
            #expect(found.isEmpty, "\(relative) dispatches on built-in names; switch over `Builtin` instead: \(found)")
        }
        #expect(scanned > 50)
    }
}
