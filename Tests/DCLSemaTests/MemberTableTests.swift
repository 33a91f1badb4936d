// The members and methods of values are one typed table (Sources/DCLSema/Catalog/Members.swift):
// every name turns back into its member, each kind of value lists each of its members once, and
// the files that give members and methods their values dispatch on the typed cases, never on
// the names as strings.

import DCLSema
import Foundation
import Testing

@Suite struct MemberTableTests {
    /// Every receiver type that has members or methods.
    static let receivers: [DCLType] = [.model, .split, .distill, .plugin, .client, .clients, .role(fleet: true), .role(fleet: false),
                                       .dataset, .metrics, .retrieval, .bundle]

    @Test func eachKindListsEachMemberOnceAndNamesTurnBackIntoThem() {
        for t in Self.receivers {
            let members = Members.members(of: t)
            let names = members.map(\.name)
            #expect(Set(names).count == names.count, "\(t): a member is listed twice")
            for m in members {
                #expect(Members.member(of: t, named: m.name) == m, "\(t).\(m.name)")
                #expect(Members.properties(of: t)[m.name] == m.type)
                #expect(m.name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "`\(m.name)` is not a script name")
            }
            let methods = Members.methods(of: t).map(\.name)
            #expect(Set(methods).isDisjoint(with: names), "\(t): a name is both a member and a method")
            #expect(Members.member(of: t, named: "nosuch") == nil)
        }
        #expect(Members.members(of: .role(fleet: false)).isEmpty, "a cloud role has only its declared fields")
        #expect(Members.members(of: .int).isEmpty && Members.methods(of: .string).isEmpty)
    }

    @Test func everyFamilyCaseIsReachableFromItsKind() {
        let reached = Set(Self.receivers.flatMap { Members.members(of: $0) })
        let every: [Member] = ModelMember.allCases.map(Member.model) + SplitMember.allCases.map(Member.split)
            + DistillMember.allCases.map(Member.distill) + PluginMember.allCases.map(Member.plugin)
            + ClientMember.allCases.map(Member.client) + ClientsMember.allCases.map(Member.clients) + RoleMember.allCases.map(Member.role)
            + DatasetMember.allCases.map(Member.dataset) + MetricsMember.allCases.map(Member.metrics)
            + RetrievalMember.allCases.map(Member.retrieval) + BundleMember.allCases.map(Member.bundle)
        #expect(Set(every) == reached)
        // Model-like values share the model's members; the other kinds share none.
        for t: DCLType in [.split, .distill, .plugin] {
            #expect(Set(ModelMember.allCases.map(Member.model)).isSubset(of: Members.members(of: t)))
        }
        #expect(Members.member(of: .split, named: "cloud")?.type == .model)
        #expect(Members.member(of: .metrics, named: "hit_rate") == .metrics(.hitRate))
        #expect(Members.member(of: .model, named: "input_shape")?.type == .list(.int))
    }

    @Test func methodsAreTypedToo() {
        let all: [Method] = RetrievalMethod.allCases.map(Method.retrieval) + PluginMethod.allCases.map(Method.plugin)
        for m in all {
            #expect(Members.spec(m).method == m)
            let owner: DCLType
            switch m {
            case .retrieval: owner = .retrieval
            case .plugin: owner = .plugin
            }
            #expect(Members.method(of: owner, named: m.name)?.method == m)
        }
        #expect(Members.method(of: .retrieval, named: "reset") == nil)
    }

    // MARK: - No dispatch on member names

    /// Where members and methods get their values, and where the checker types them.
    static let dispatchFiles = [
        "DCLCompiler/Eval/Evaluator+Members.swift", "DCLCompiler/Eval/Evaluator+Calls.swift", "DCLCompiler/Eval/Evaluator+Expressions.swift",
        "DCLRuntime/Session.swift", "DCLRuntime/RetrievalProtocol.swift", "DCLSema/Checker/Checker+Members.swift",
        "DCLSema/Checker/Checker+Calls.swift",
    ]

    /// `case "…"` arms in `text` that name a member or a method.
    static func nameDispatches(in text: String) throws -> [String] {
        let names = Set(receivers.flatMap { Members.members(of: $0).map(\.name) + Members.methods(of: $0).map(\.name) })
        let literal = try Regex(#""([a-z0-9_]+)""#)
        return text.split(separator: "\n").map { $0.drop { $0 == " " } }.filter { line in
            guard line.hasPrefix("case \"") || line.hasPrefix("case (") else { return false }
            return line.prefix { $0 != ":" }.matches(of: literal).contains { m in m.output[1].substring.map { names.contains(String($0)) } ?? false }
        }.map(String.init)
    }

    @Test func theScanFindsNameDispatch() throws {
        let bad = "switch name {\n  case \"train\", \"test\": break\n  case (.plugin(let p), \"reset\"): break\n  case .dataset(.size): break\n}"
        #expect(try Self.nameDispatches(in: bad).count == 2)
    }

    @Test func noDispatchFileSwitchesOnAMemberName() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        for relative in Self.dispatchFiles {
            let text = try String(contentsOf: url.appendingPathComponent("Sources/" + relative), encoding: .utf8)
            let found = try Self.nameDispatches(in: text)
            #expect(found.isEmpty, "\(relative) dispatches on member names; switch over the typed members instead: \(found)")
        }
    }
}
