// Typing `base.name`: members of models, pattern values, roles, clients, data, metrics,
// records and modules.

import DCLDiagnostics
import DCLSyntax

extension Checker {
    func checkMember(base: Expr, name: Identifier, in scope: Scope) -> DCLType {
        let bt = checkExpr(base, in: scope)
        return memberType(bt, base: base, name: name, in: scope)
    }

    func memberType(_ bt: DCLType, base: Expr, name: Identifier, in scope: Scope) -> DCLType {
        switch bt {
        case .any:
            return .any
        case .record(let fields):
            if fields.isEmpty { return .any }
            if let t = fields[name.name] { return t }
            unknownMember(name, of: bt, among: Array(fields.keys))
            return .any
        case .module:
            guard case .name(let id) = base.kind, let sym = scope.lookup(id.name), case .module(let m) = sym.kind else { return .any }
            guard let s = exportedSymbol(name.name, of: m) else {
                unknownMember(name, of: bt, among: m.exportedNames, what: "module `\(m.name)`")
                return .any
            }
            return s.type
        case .role(let fleet):
            if let m = Members.member(of: bt, named: name.name) { return m.type }
            // The role's declared fields.
            if let decl = roleDeclaration(of: base, in: scope), case .role(_, _, let fields) = decl.kind {
                if let f = fields.first(where: { $0.name.name == name.name }) {
                    if case .expr(let e) = f.value { return types[NodeKey(file: declarationFile(decl), node: e.id)] ?? .any }
                    return .record([:])
                }
                unknownMember(name, of: bt, among: fields.map(\.name.name) + Array(Members.properties(of: bt).keys),
                              what: fleet ? "device role" : "role")
                return .any
            }
            return .any
        default:
            if let m = Members.member(of: bt, named: name.name) { return m.type }
            if Members.method(of: bt, named: name.name) != nil {
                error(.methodAsValue, "`\(name.name)` is a method: call it with arguments", at: name.span)
                return .any
            }
            unknownMember(name, of: bt, among: Members.members(of: bt).map(\.name) + Members.methods(of: bt).map(\.name))
            return .any
        }
    }

    func unknownMember(_ name: Identifier, of t: DCLType, among: [String], what: String? = nil) {
        let hint = closestName(to: name.name, among: among).map { "did you mean `\($0)`?" }
            ?? (among.isEmpty ? nil : "available: " + among.sorted().map { "`\($0)`" }.joined(separator: ", "))
        error(.unknownMember, "\(what ?? article(t)) has no member `\(name.name)`", at: name.span, hint: hint)
    }

    /// The role declaration a member base names directly (`cloud` in `cloud.data`).
    func roleDeclaration(of base: Expr, in scope: Scope) -> Decl? {
        guard case .name(let id) = base.kind, let sym = scope.lookup(id.name), case .declaration(let d, _) = sym.kind,
              case .role = d.kind else { return nil }
        return d
    }

    func declarationFile(_ d: Decl) -> FileID { d.keywordSpan.file }
}
