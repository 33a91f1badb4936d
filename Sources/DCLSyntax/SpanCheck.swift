// A structural check of a parsed program: every node's span lies inside its parent's span and
// inside the file, and every NodeID is used once. Tests run it on every tree they parse, including
// trees full of `.error` nodes from hostile input, because diagnostics and the checker's side
// tables depend on both properties.

import DCLDiagnostics

/// Verifies span nesting and NodeID uniqueness.
public struct SpanCheck {
    /// Human-readable descriptions of every violation (empty when the tree is sound).
    public static func violations(in program: Program, fileLength: Int) -> [String] {
        var check = SpanCheck(file: program.file)
        let whole = SourceSpan(file: program.file, start: 0, end: fileLength)
        for item in program.items { check.stmt(item, in: whole) }
        for c in program.comments { check.inside(c.span, whole, "comment") }
        return check.problems
    }

    let file: FileID
    var problems: [String] = []
    var seen = Set<NodeID>()

    init(file: FileID) { self.file = file }

    mutating func inside(_ span: SourceSpan, _ parent: SourceSpan, _ what: @autoclosure () -> String) {
        if span.file != file || span.start < parent.start || span.end > parent.end || span.start > span.end {
            problems.append("\(what()) at \(span) is outside its parent at \(parent)")
        }
    }

    mutating func id(_ id: NodeID, _ what: @autoclosure () -> String) {
        if !seen.insert(id).inserted { problems.append("\(what()) reuses node id \(id.raw)") }
    }

    mutating func name(_ n: Identifier, in parent: SourceSpan) { inside(n.span, parent, "name `\(n.name)`") }

    mutating func block(_ b: Block, in parent: SourceSpan) {
        inside(b.span, parent, "block")
        for s in b.statements { stmt(s, in: b.span) }
    }

    mutating func type(_ t: TypeExpr, in parent: SourceSpan) {
        inside(t.span, parent, "type")
        name(t.name, in: t.span)
        for a in t.arguments { type(a, in: t.span) }
    }

    mutating func params(_ ps: [Param], in parent: SourceSpan) {
        for p in ps {
            inside(p.span, parent, "parameter")
            name(p.name, in: p.span)
            if let t = p.type { type(t, in: p.span) }
            if let d = p.defaultValue { expr(d, in: p.span) }
        }
    }

    mutating func fields(_ fs: [Field], in parent: SourceSpan) {
        for f in fs {
            inside(f.span, parent, "field")
            name(f.name, in: f.span)
            switch f.value {
            case .expr(let e): expr(e, in: f.span)
            case .nested(let inner): fields(inner, in: f.span)
            }
        }
    }

    mutating func stmt(_ s: Stmt, in parent: SourceSpan) {
        inside(s.span, parent, "statement")
        id(s.id, "statement")
        let sp = s.span
        switch s.kind {
        case .importDecl(let i):
            if case .module(let path) = i.target { for p in path { name(p, in: sp) } }
            if case .file(_, let fs) = i.target { inside(fs, sp, "import path") }
            if let a = i.alias { name(a, in: sp) }
        case .decl(let d):
            inside(d.keywordSpan, sp, "keyword")
            name(d.name, in: sp)
            decl(d.kind, in: sp)
        case .binding(let n, let t, let v, _):
            name(n, in: sp)
            if let t = t { type(t, in: sp) }
            expr(v, in: sp)
        case .assign(let target, _, let value):
            expr(target, in: sp)
            expr(value, in: sp)
        case .ifStmt(let branches, let elseBody):
            for b in branches {
                expr(b.condition, in: sp)
                block(b.body, in: sp)
            }
            if let e = elseBody { block(e, in: sp) }
        case .forStmt(let vars, let seq, let body):
            for v in vars { name(v, in: sp) }
            expr(seq, in: sp)
            block(body, in: sp)
        case .whileStmt(let c, let body):
            expr(c, in: sp)
            block(body, in: sp)
        case .returnStmt(let e):
            if let e = e { expr(e, in: sp) }
        case .printStmt(let values):
            for v in values { expr(v, in: sp) }
        case .train(let t):
            for x in t.targets { expr(x, in: sp) }
            expr(t.data, in: sp)
            if let o = t.objective { expr(o, in: sp) }
            if let o = t.options { expr(o, in: sp) }
        case .distillRun(let n, let d, let o):
            expr(n, in: sp)
            expr(d, in: sp)
            if let o = o { expr(o, in: sp) }
        case .save(let a, let b), .load(let a, let b):
            expr(a, in: sp)
            expr(b, in: sp)
        case .input(let n, let t):
            name(n, in: sp)
            inside(t.span, sp, "tensor type")
            if let d = t.dtype { name(d, in: t.span) }
            for d in t.dims { expr(d, in: t.span) }
        case .section(_, let body, let keyword):
            inside(keyword, sp, "section keyword")
            block(body, in: sp)
        case .expr(let e):
            expr(e, in: sp)
        case .breakStmt, .continueStmt, .error:
            break
        }
    }

    mutating func decl(_ d: DeclKind, in sp: SourceSpan) {
        switch d {
        case .function(let f):
            params(f.params, in: sp)
            if let r = f.returnType { type(r, in: sp) }
            block(f.body, in: sp)
        case .model(let m):
            params(m.params ?? [], in: sp)
            block(m.body, in: sp)
        case .block(let b):
            params(b.params, in: sp)
            for i in b.inputs { name(i, in: sp) }
            block(b.body, in: sp)
        case .data(_, let e), .split(_, let e), .plugin(_, let e):
            expr(e, in: sp)
        case .distill(_, let t, let s, let o):
            expr(t, in: sp)
            expr(s, in: sp)
            if let o = o { expr(o, in: sp) }
        case .retrieval(_, let fs), .bundle(_, _, let fs):
            fields(fs, in: sp)
            if case .bundle(_, let role, _) = d { name(role, in: sp) }
        case .role(_, let count, let fs):
            if let c = count { expr(c, in: sp) }
            fields(fs, in: sp)
        case .param(_, let t, let e):
            type(t, in: sp)
            expr(e, in: sp)
        }
    }

    mutating func expr(_ e: Expr, in parent: SourceSpan) {
        inside(e.span, parent, "expression")
        id(e.id, "expression")
        let sp = e.span
        switch e.kind {
        case .int, .float, .size, .bool, .none, .error:
            break
        case .string(let parts):
            for case .interpolation(let x, _) in parts { expr(x, in: sp) }
        case .name(let n):
            name(n, in: sp)
        case .list(let items):
            for x in items { expr(x, in: sp) }
        case .comprehension(let element, let variable, let sequence, let condition):
            expr(element, in: sp)
            name(variable, in: sp)
            expr(sequence, in: sp)
            if let c = condition { expr(c, in: sp) }
        case .record(let fs):
            for f in fs {
                name(f.name, in: sp)
                expr(f.value, in: sp)
            }
        case .call(let callee, let arguments):
            expr(callee, in: sp)
            for a in arguments {
                if let l = a.label { name(l, in: sp) }
                expr(a.value, in: sp)
            }
        case .member(let base, let n):
            expr(base, in: sp)
            name(n, in: sp)
        case .index(let base, let i):
            expr(base, in: sp)
            expr(i, in: sp)
        case .unary(_, let x), .paren(let x):
            expr(x, in: sp)
        case .binary(_, let l, let r):
            expr(l, in: sp)
            expr(r, in: sp)
        case .ifElse(let c, let t, let f):
            expr(c, in: sp)
            expr(t, in: sp)
            expr(f, in: sp)
        }
    }
}
