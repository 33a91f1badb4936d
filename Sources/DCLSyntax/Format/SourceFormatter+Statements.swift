// Statements and declarations in canonical form: one per line, `{` on the opening line, bodies
// indented, `name: value` fields, field blocks on one line only when they were written on one
// line and still fit.

extension FormatBuilder {
    mutating func statement(_ s: Stmt) -> Doc {
        switch s.kind {
        case .importDecl(let i):
            var d: Doc
            switch i.target {
            case .module(let path): d = .text("import " + path.map(\.name).joined(separator: "."))
            case .file(let f, _): d = .text("import " + FormatBuilder.quote(f))
            }
            if let a = i.alias { d = d + .text(" as " + a.name) }
            return d
        case .decl(let decl):
            return declaration(decl, in: s)
        case .binding(let name, let type, let value, let mutable):
            var d: Doc = .text((mutable ? "var " : "let ") + name.name)
            if let t = type { d = d + .text(": ") + typeDoc(t) }
            return d + .text(" =") + operand(value)
        case .assign(let target, let op, let value):
            return expr(target) + .text(" " + op.rawValue) + operand(value)
        case .ifStmt(let branches, let elseBody):
            var parts: [Doc] = []
            for (i, b) in branches.enumerated() {
                parts.append(.text(i == 0 ? "if " : " else if "))
                parts.append(expr(b.condition))
                parts.append(.text(" "))
                parts.append(block(b.body))
            }
            if let e = elseBody { parts += [.text(" else "), block(e)] }
            return .concat(parts)
        case .forStmt(let variables, let sequence, let body):
            let vars = variables.map(\.name).joined(separator: ", ")
            return .text("for \(vars) in ") + expr(sequence) + .text(" ") + block(body)
        case .whileStmt(let condition, let body):
            return .text("while ") + expr(condition) + .text(" ") + block(body)
        case .returnStmt(let value):
            return value.map { .text("return ") + expr($0) } ?? .text("return")
        case .breakStmt:
            return .text("break")
        case .continueStmt:
            return .text("continue")
        case .printStmt(let values):
            return .text("print ") + commaSeparated(values)
        case .train(let t):
            var d: Doc = .text("train ") + commaSeparated(t.targets) + .text(" on ") + expr(t.data)
            if let o = t.objective { d = d + .text(" minimizing ") + expr(o) }
            if let o = t.options { d = d + .text(" ") + expr(o) }
            return d
        case .distillRun(let name, let data, let options):
            var d: Doc = .text("distill ") + expr(name) + .text(" on ") + expr(data)
            if let o = options { d = d + .text(" ") + expr(o) }
            return d
        case .save(let subject, let path):
            return .text("save ") + expr(subject) + .text(" to ") + expr(path)
        case .load(let subject, let path):
            return .text("load ") + expr(subject) + .text(" from ") + expr(path)
        case .input(let name, let type):
            return .text("input \(name.name): ") + tensorType(type)
        case .section(let kind, let body, _):
            return .text(kind.rawValue + " ") + block(body)
        case .expr(let e):
            return expr(e)
        case .error:
            return .text("")
        }
    }

    /// `a, b, c` where a line may break after each comma (print and train lists).
    mutating func commaSeparated(_ values: [Expr]) -> Doc {
        var parts: [Doc] = []
        for (i, v) in values.enumerated() {
            if i > 0 { parts += [.text(","), trailingComments(after: Int(values[i - 1].span.end), before: Int(v.span.start)), .line] }
            parts.append(inlineComments(before: Int(v.span.start)))
            parts.append(expr(v))
        }
        return .group(.indent(.concat(parts)))
    }

    /// ` value` after `=` or `:`, where comments before the value may break the line.
    mutating func operand(_ value: Expr) -> Doc {
        let start = Int(value.span.start)
        let comments = inlineComments(before: start)
        if case .concat(let c) = comments, c.isEmpty { return .text(" ") + expr(value) }
        return .text(" ") + .indent(comments + expr(value))
    }

    mutating func declaration(_ d: Decl, in s: Stmt) -> Doc {
        switch d.kind {
        case .function(let f):
            var doc: Doc = .text("fn " + f.name.name) + params(f.params, close: Int(f.body.span.start))
            if let r = f.returnType { doc = doc + .text(" -> ") + inlineComments(before: Int(r.span.start)) + typeDoc(r) }
            return doc + .text(" ") + block(f.body)
        case .model(let m):
            var doc: Doc = .text("model " + m.name.name)
            if let p = m.params { doc = doc + params(p, close: Int(m.body.span.start)) }
            return doc + .text(" ") + block(m.body)
        case .block(let b):
            let inputs = b.inputs.map(\.name).joined(separator: ", ")
            return .text("block " + b.name.name) + params(b.params, close: Int(b.body.span.start))
                + .text("(\(inputs)) ") + block(b.body)
        case .data(let n, let e), .split(let n, let e), .plugin(let n, let e):
            return .text("\(d.keyword) \(n.name) =") + operand(e)
        case .distill(let n, let teacher, let student, let options):
            var doc: Doc = .text("distill \(n.name) =") + operand(teacher) + .text(" ->") + operand(student)
            if let o = options { doc = doc + .text(" ") + expr(o) }
            return doc
        case .retrieval(let n, let fields):
            return .text("retrieval \(n.name) ") + fieldBlock(fields, from: Int(n.span.end), end: Int(s.span.end))
        case .role(let n, let count, let fields):
            var doc: Doc = .text("role " + n.name)
            var after = Int(n.span.end)
            if let c = count {
                doc = doc + .text("[") + expr(c) + .text("]")
                after = Int(c.span.end)
            }
            return doc + .text(" ") + fieldBlock(fields, from: after, end: Int(s.span.end))
        case .bundle(let n, let role, let fields):
            return .text("bundle \(n.name) for \(role.name) ") + fieldBlock(fields, from: Int(role.span.end), end: Int(s.span.end))
        case .param(let n, let type, let value):
            return .text("param \(n.name): ") + inlineComments(before: Int(type.span.start)) + typeDoc(type) + .text(" =") + operand(value)
        }
    }

    /// `(a: int = 1, b)`; broken one per line with trailing commas when too long.
    mutating func params(_ ps: [Param], close: Int) -> Doc {
        let items = ps.map { p in
            ListItem(start: Int(p.span.start), end: Int(p.span.end)) { b in
                var d: Doc = .text(p.name.name)
                if let t = p.type { d = d + .text(": ") + b.typeDoc(t) }
                if let v = p.defaultValue { d = d + .text(" =") + b.operand(v) }
                return d
            }
        }
        return list("(", items, ")", close: close)
    }

    func typeDoc(_ t: TypeExpr) -> Doc { .text(FormatBuilder.typeText(t)) }

    static func typeText(_ t: TypeExpr) -> String {
        t.arguments.isEmpty ? t.name.name : t.name.name + "[" + t.arguments.map(typeText).joined(separator: ", ") + "]"
    }

    mutating func tensorType(_ t: TensorTypeExpr) -> Doc {
        let items = t.dims.map { e in ListItem(start: Int(e.span.start), end: Int(e.span.end)) { $0.expr(e) } }
        return .text(t.dtype?.name ?? "") + list("[", items, "]", close: max(Int(t.span.start), Int(t.span.end) - 1))
    }

    /// A field block: one line (`{ a: 1, b: 2 }`) if it was written on one line and fits, else
    /// one field per line. `from` is an offset before its `{`, `end` just after its `}`.
    mutating func fieldBlock(_ fields: [Field], from: Int, end: Int) -> Doc {
        let open = openBrace(after: from)
        let close = max(open, end - 1)
        let multiLine = hasNewline(from: open, to: close)
        return entries(fields.map { f in
            Entry(start: Int(f.span.start), end: Int(f.span.end)) { b in b.field(f, end: Int(f.span.end)) }
        }, open: open, close: close, multiLine: multiLine)
    }

    mutating func field(_ f: Field, end: Int) -> Doc {
        switch f.value {
        case .expr(let e):
            return .text(f.name.name + ":") + operand(e)
        case .nested(let inner):
            return .text(f.name.name + " ") + fieldBlock(inner, from: Int(f.name.span.end), end: end)
        }
    }

    /// An entry of a record or field block.
    struct Entry {
        let start: Int
        let end: Int
        let build: (inout FormatBuilder) -> Doc
    }

    /// `{ a, b }` on one line, or one entry per line without commas; a comment inside or a
    /// multi-line original forces the second form.
    mutating func entries(_ items: [Entry], open: Int, close: Int, multiLine: Bool) -> Doc {
        let hasComments = pending.map { Int($0.span.start) < close } ?? false
        if items.isEmpty && !hasComments { return .text("{}") }
        // Inside a string interpolation everything stays on one line (comments there are block
        // comments, kept inline by `operand`).
        if (multiLine || hasComments) && !inString {
            let lineItems = items.map { e in Line(start: e.start, end: e.end, spaced: false, build: e.build) }
            return braced(lineItems, open: open, close: close)
        }
        var parts: [Doc] = []
        for (i, e) in items.enumerated() {
            if i > 0 { parts += [.ifBreak(.empty, flat: .text(",")), .line] }
            parts.append(e.build(&self))
        }
        return .group(.text("{") + .indent(.line + .concat(parts)) + .line + .text("}"))
    }
}
