// The AST as an S-expression, without spans, IDs or comments: two programs that mean the same
// thing (say, a file and its formatted version) dump identically. Golden tests write expected
// trees in this form (`// ast: (let x (+ 1 2))`).
//
// Shapes: literals print as themselves (sizes as `(size 1500 count)`), names as atoms, operators
// as `(op lhs rhs)`, calls as `(call f arg (arg label value))`, members as `(. base name)`; each
// statement and declaration is a list headed by its keyword.

/// Prints ASTs as S-expressions.
public enum ASTDump {
    /// The whole program, one top-level item per line (long items indented).
    public static func dump(_ program: Program, width: Int = 100) -> String {
        program.items.map { sexpr($0).pretty(width: width) }.joined(separator: "\n")
    }

    /// Each top-level item on one line.
    public static func flatItems(_ program: Program) -> [String] { program.items.map { sexpr($0).flat } }

    public static func sexpr(_ e: Expr) -> SExpr {
        switch e.kind {
        case .int(let v): return .atom(String(v))
        case .float(let v, _): return .atom(String(v))
        case .size(let s):
            let v = s.kind != .duration && s.value.magnitude < 9.0e18 ? String(Int64(s.value)) : String(s.value)
            return .node("size", [.atom(v), .atom(s.kind.rawValue)])
        case .string(let parts):
            if parts.isEmpty { return .quoted("") }
            if parts.count == 1, case .text(let t) = parts[0] { return .quoted(t) }
            return .node("str", parts.map { part in
                switch part {
                case .text(let t): return .quoted(t)
                case .interpolation(let e, let format):
                    return .node("interp", [sexpr(e)] + (format.map { [.quoted($0)] } ?? []))
                }
            })
        case .bool(let b): return .atom(b ? "true" : "false")
        case .none: return .atom("none")
        case .name(let n): return .atom(n.name)
        case .list(let items): return .node("list", items.map(sexpr))
        case .comprehension(let element, let variable, let sequence, let condition):
            var children: [SExpr] = [sexpr(element), .node("for", [.atom(variable.name), sexpr(sequence)])]
            if let c = condition { children.append(.node("if", [sexpr(c)])) }
            return .node("comp", children)
        case .record(let fields):
            return .node("record", fields.map { .list([.atom($0.name.name), sexpr($0.value)]) })
        case .call(let callee, let arguments):
            return .node("call", [sexpr(callee)] + arguments.map(sexpr))
        case .member(let base, let name): return .node(".", [sexpr(base), .atom(name.name)])
        case .index(let base, let index): return .node("index", [sexpr(base), sexpr(index)])
        case .unary(let op, let operand):
            let head = op == .negate ? "neg" : op == .plus ? "pos" : "not"
            return .node(head, [sexpr(operand)])
        case .binary(let op, let l, let r): return .node(op.rawValue, [sexpr(l), sexpr(r)])
        case .ifElse(let c, let t, let f): return .node("if-expr", [sexpr(c), sexpr(t), sexpr(f)])
        case .paren(let inner): return .node("paren", [sexpr(inner)])
        case .error: return .atom("<error>")
        }
    }

    static func sexpr(_ a: Argument) -> SExpr {
        guard let label = a.label else { return sexpr(a.value) }
        return .node("arg", [.atom(label.name), sexpr(a.value)])
    }

    public static func sexpr(_ t: TypeExpr) -> SExpr {
        t.arguments.isEmpty ? .atom(t.name.name) : .node(t.name.name, t.arguments.map(sexpr))
    }

    static func sexpr(_ p: Param) -> SExpr {
        var children: [SExpr] = [.atom(p.name.name), p.type.map(sexpr) ?? .atom("_")]
        if let d = p.defaultValue { children.append(sexpr(d)) }
        return .node("param", children)
    }

    static func sexpr(_ b: Block) -> SExpr { .node("body", b.statements.map(sexpr)) }

    static func sexpr(_ f: Field) -> SExpr {
        switch f.value {
        case .expr(let e): return .node("field", [.atom(f.name.name), sexpr(e)])
        case .nested(let fields): return .node("field", [.atom(f.name.name), .node("fields", fields.map(sexpr))])
        }
    }

    public static func sexpr(_ s: Stmt) -> SExpr {
        switch s.kind {
        case .importDecl(let i):
            var children: [SExpr]
            switch i.target {
            case .module(let path): children = [.atom(path.map(\.name).joined(separator: "."))]
            case .file(let f, _): children = [.quoted(f)]
            }
            if let a = i.alias { children.append(.node("as", [.atom(a.name)])) }
            return .node("import", children)
        case .decl(let d):
            return sexpr(d)
        case .binding(let name, let type, let value, let mutable):
            var children: [SExpr] = [.atom(name.name)]
            if let t = type { children.append(.node(":", [sexpr(t)])) }
            children.append(sexpr(value))
            return .node(mutable ? "var" : "let", children)
        case .assign(let target, let op, let value):
            return .node(op.rawValue, [sexpr(target), sexpr(value)])
        case .ifStmt(let branches, let elseBody):
            var children = branches.map { SExpr.list([sexpr($0.condition), sexpr($0.body)]) }
            if let e = elseBody { children.append(.node("else", [sexpr(e)])) }
            return .node("if", children)
        case .forStmt(let variables, let sequence, let body):
            let vars: SExpr = variables.count == 1 ? .atom(variables[0].name) : .list(variables.map { .atom($0.name) })
            return .node("for", [vars, sexpr(sequence), sexpr(body)])
        case .whileStmt(let c, let body): return .node("while", [sexpr(c), sexpr(body)])
        case .returnStmt(let e): return .node("return", e.map { [sexpr($0)] } ?? [])
        case .breakStmt: return .list([.atom("break")])
        case .continueStmt: return .list([.atom("continue")])
        case .printStmt(let values): return .node("print", values.map(sexpr))
        case .train(let t):
            var children: [SExpr] = [.list(t.targets.map(sexpr)), .node("on", [sexpr(t.data)])]
            if let o = t.objective { children.append(.node("minimizing", [sexpr(o)])) }
            if let o = t.options { children.append(sexpr(o)) }
            return .node("train", children)
        case .distillRun(let name, let data, let options):
            return .node("distill-run", [sexpr(name), .node("on", [sexpr(data)])] + (options.map { [sexpr($0)] } ?? []))
        case .save(let subject, let path): return .node("save", [sexpr(subject), .node("to", [sexpr(path)])])
        case .load(let subject, let path): return .node("load", [sexpr(subject), .node("from", [sexpr(path)])])
        case .input(let name, let type):
            var t: [SExpr] = type.dtype.map { [.atom($0.name)] } ?? []
            t += type.dims.map(sexpr)
            return .node("input", [.atom(name.name), .node("tensor", t)])
        case .section(let kind, let body, _):
            return .node("section", [.atom(kind.rawValue), sexpr(body)])
        case .expr(let e): return sexpr(e)
        case .error: return .atom("<error>")
        }
    }

    static func sexpr(_ d: Decl) -> SExpr {
        switch d.kind {
        case .function(let f):
            var children: [SExpr] = [.atom(f.name.name), .node("params", f.params.map(sexpr))]
            if let r = f.returnType { children.append(.node("->", [sexpr(r)])) }
            children.append(sexpr(f.body))
            return .node("fn", children)
        case .model(let m):
            var children: [SExpr] = [.atom(m.name.name)]
            if let p = m.params { children.append(.node("params", p.map(sexpr))) }
            children.append(sexpr(m.body))
            return .node("model", children)
        case .block(let b):
            return .node("block", [.atom(b.name.name), .node("params", b.params.map(sexpr)),
                                   .node("inputs", b.inputs.map { .atom($0.name) }), sexpr(b.body)])
        case .data(let n, let e): return .node("data", [.atom(n.name), sexpr(e)])
        case .split(let n, let e): return .node("split", [.atom(n.name), sexpr(e)])
        case .plugin(let n, let e): return .node("plugin", [.atom(n.name), sexpr(e)])
        case .distill(let n, let teacher, let student, let options):
            return .node("distill", [.atom(n.name), sexpr(teacher), sexpr(student)] + (options.map { [sexpr($0)] } ?? []))
        case .retrieval(let n, let fields): return .node("retrieval", [.atom(n.name)] + fields.map(sexpr))
        case .role(let n, let count, let fields):
            return .node("role", [.atom(n.name)] + (count.map { [.node("count", [sexpr($0)])] } ?? []) + fields.map(sexpr))
        case .bundle(let n, let role, let fields):
            return .node("bundle", [.atom(n.name), .node("for", [.atom(role.name)])] + fields.map(sexpr))
        case .param(let n, let type, let value):
            return .node("param", [.atom(n.name), sexpr(type), sexpr(value)])
        }
    }
}
