// Expressions in canonical form: spaces around binary operators and `|>` (ranges excepted:
// `0..n`), bracketed lists on one line without a trailing comma when they fit, else one element
// per line with trailing commas; pipelines broken before each `|>`, other operator chains after
// each operator — the two places the grammar lets a line continue.

import DCLText

extension FormatBuilder {
    /// An element of a bracketed, comma-separated list.
    struct ListItem {
        let start: Int
        let end: Int
        let build: (inout FormatBuilder) -> Doc
    }

    /// `open items close`, one line if it fits, else one item per line with trailing commas.
    /// `close` is the offset of the closing bracket (comments before it stay inside).
    mutating func list(_ open: String, _ items: [ListItem], _ closeText: String, close: Int) -> Doc {
        var parts: [Doc] = [.softLine]
        for (i, item) in items.enumerated() {
            let last = i == items.count - 1
            parts.append(inlineComments(before: item.start))
            parts.append(item.build(&self))
            parts.append(last ? .ifBreak(.text(","), flat: .empty) : .text(","))
            parts.append(trailingComments(after: item.end, before: last ? close : items[i + 1].start))
            if !last { parts.append(.line) }
        }
        let inside = closingComments(before: close)
        if items.isEmpty, case .concat(let c) = inside, c.isEmpty { return .text(open + closeText) }
        return .group(.text(open) + .indent(.concat(parts) + inside) + .softLine + .text(closeText))
    }

    /// Comments left before a closing bracket: kept inside it, on their own line if they were.
    mutating func closingComments(before offset: Int) -> Doc {
        var parts: [Doc] = []
        while let c = pending, Int(c.span.start) < offset {
            if c.style == .line && inString { break }
            // On its own line if it was; otherwise after a space, or on a line of its own when
            // the bracket is broken (nothing else may follow a line comment on its line).
            let separator: Doc = inString ? .text(" ") : startsLine(Int(c.span.start)) ? .hardLine : .line
            parts += [separator, doc(c)]
            nextComment += 1
        }
        return .concat(parts)
    }

    mutating func expr(_ e: Expr) -> Doc {
        let close = max(Int(e.span.start), Int(e.span.end) - 1)
        switch e.kind {
        case .int, .float, .size:
            return .text(source(e.span))
        case .string(let parts):
            return stringLiteral(parts)
        case .bool(let b):
            return .text(b ? "true" : "false")
        case .none:
            return .text("none")
        case .name(let n):
            return .text(n.name)
        case .list(let items):
            return list("[", items.map { x in ListItem(start: Int(x.span.start), end: Int(x.span.end)) { $0.expr(x) } }, "]", close: close)
        case .comprehension(let element, let variable, let sequence, let condition):
            var inner: [Doc] = [.softLine, inlineComments(before: Int(element.span.start)), expr(element),
                                .line, .text("for \(variable.name) in "), inlineComments(before: Int(sequence.span.start)), expr(sequence)]
            if let c = condition { inner += [.line, .text("if "), inlineComments(before: Int(c.span.start)), expr(c)] }
            inner.append(closingComments(before: close))
            return .group(.text("[") + .indent(.concat(inner)) + .softLine + .text("]"))
        case .record(let fields):
            let open = Int(e.span.start)
            return entries(fields.map { f in
                Entry(start: Int(f.name.span.start), end: Int(f.value.span.end)) { b in .text(f.name.name + ":") + b.operand(f.value) }
            }, open: open, close: close, multiLine: hasNewline(from: open, to: close))
        case .call(let callee, let arguments):
            let head = expr(callee)
            return head + list("(", arguments.map { a in
                ListItem(start: Int(a.span.start), end: Int(a.span.end)) { b in
                    guard let label = a.label else { return b.expr(a.value) }
                    return .text(label.name + ":") + b.operand(a.value)
                }
            }, ")", close: close)
        case .member(let base, let name):
            return expr(base) + .text("." + name.name)
        case .index(let base, let index):
            let head = expr(base)
            let inner = inlineComments(before: Int(index.span.start)) + expr(index) + closingComments(before: close)
            return head + .group(.text("[") + .indent(.softLine + inner) + .softLine + .text("]"))
        case .unary(let op, let operand):
            var symbol = op == .not ? "not " : op.rawValue
            if case .unary(let inner, _) = operand.kind, inner != .not, op != .not { symbol += " " }
            return .text(symbol) + inlineComments(before: Int(operand.span.start)) + expr(operand)
        case .binary(.pipe, _, _):
            return pipeline(e)
        case .binary(let op, let l, let r) where op == .range || op == .rangeInclusive:
            let lhs = expr(l)
            return lhs + .text(op.rawValue) + inlineComments(before: Int(r.span.start)) + expr(r)
        case .binary:
            return chain(e)
        case .ifElse:
            return ifExpression(e)
        case .paren(let inner):
            let body = inlineComments(before: Int(inner.span.start)) + expr(inner) + closingComments(before: close)
            return .group(.text("(") + .indent(.softLine + body) + .softLine + .text(")"))
        case .error:
            return .text("")
        }
    }

    /// `a |> b |> c`, or broken before every `|>` with the stages indented.
    mutating func pipeline(_ e: Expr) -> Doc {
        var stages: [Expr] = []
        var current = e
        while case .binary(.pipe, let l, let r) = current.kind {
            stages.append(r)
            current = l
        }
        stages.append(current)
        stages.reverse()
        let first = expr(stages[0])
        var rest: [Doc] = []
        for k in 1..<stages.count {
            rest.append(trailingComments(after: Int(stages[k - 1].span.end), before: Int(stages[k].span.start)))
            rest.append(.line)
            rest.append(inlineComments(before: Int(stages[k].span.start)))
            rest.append(.text("|> "))
            rest.append(expr(stages[k]))
        }
        return .group(first + .indent(.concat(rest)))
    }

    /// Operators whose chains print flat, one operand per line when broken.
    static func chainLevel(_ op: BinaryOp) -> Int? {
        switch op {
        case .or: return 1
        case .and: return 2
        case .add, .subtract, .concat: return 3
        case .multiply, .divide, .remainder: return 4
        default: return nil
        }
    }

    /// `a + b - c` (left-nested operators of one precedence level), breaking after operators.
    mutating func chain(_ e: Expr) -> Doc {
        guard case .binary(let rootOp, _, _) = e.kind else { return expr(e) }
        let level = FormatBuilder.chainLevel(rootOp)
        var pairs: [(BinaryOp, Expr)] = []
        var current = e
        while case .binary(let op, let l, let r) = current.kind {
            pairs.append((op, r))
            current = l
            if level == nil || FormatBuilder.chainLevel(op) != level { break }
            guard case .binary(let next, _, _) = l.kind, FormatBuilder.chainLevel(next) == level else { break }
        }
        pairs.reverse()
        let first = expr(current)
        var rest: [Doc] = []
        var previousEnd = Int(current.span.end)
        for (op, operand) in pairs {
            rest.append(.text(" " + op.rawValue))
            rest.append(trailingComments(after: previousEnd, before: Int(operand.span.start)))
            rest.append(.line)
            rest.append(inlineComments(before: Int(operand.span.start)))
            rest.append(expr(operand))
            previousEnd = Int(operand.span.end)
        }
        return .group(first + .indent(.concat(rest)))
    }

    /// `if c { a } else { b }`, broken with each value on its own line when too long.
    mutating func ifExpression(_ e: Expr) -> Doc {
        var parts: [Doc] = []
        var current = e
        var first = true
        while case .ifElse(let condition, let then, let otherwise) = current.kind {
            parts.append(.text(first ? "if " : " else if "))
            first = false
            parts.append(expr(condition))
            parts.append(.text(" {"))
            parts.append(.indent(.line + inlineComments(before: Int(then.span.start)) + expr(then)))
            parts.append(.line + .text("}"))
            current = otherwise
            if case .ifElse = otherwise.kind { continue }
            parts.append(.text(" else {"))
            parts.append(.indent(.line + inlineComments(before: Int(otherwise.span.start)) + expr(otherwise)))
            parts.append(.line + .text("}"))
            break
        }
        return .group(.concat(parts))
    }

    // MARK: Strings

    /// A string literal, interpolations printed on one line.
    mutating func stringLiteral(_ parts: [StringPart]) -> Doc {
        var s = "\""
        for part in parts {
            switch part {
            case .text(let t):
                s += FormatBuilder.escape(t)
            case .interpolation(let e, let format):
                let saved = inString
                inString = true
                let d = expr(e)
                inString = saved
                var flat = DocPrinter(width: Int.max / 4, indentUnit: 0).print(d, flat: true)
                if flat.hasSuffix("\n") { flat.removeLast() }
                s += "{" + flat + (format.map { ":" + $0 } ?? "") + "}"
            }
        }
        return .text(s + "\"")
    }

    static func quote(_ s: String) -> String { quoted(s, .dcl) }

    /// String text with the characters that need it escaped.
    static func escape(_ t: String) -> String { escaped(t, .dcl) }
}
