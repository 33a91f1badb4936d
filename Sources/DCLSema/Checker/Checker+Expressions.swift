// Typing expressions. Every expression gets a type; an error yields `any` so that one mistake
// does not cascade into more diagnostics.

import DCLDiagnostics
import DCLSyntax

extension Checker {
    @discardableResult
    func checkExpr(_ e: Expr, in scope: Scope) -> DCLType {
        record(e, inferExpr(e, in: scope))
    }

    private func inferExpr(_ e: Expr, in scope: Scope) -> DCLType {
        switch e.kind {
        case .int: return .int
        case .float: return .float
        case .size(let lit):
            switch lit.kind {
            case .bytes: return .bytes
            case .count: return .int
            case .duration: return .float
            }
        case .bool: return .bool
        case .none: return DCLType.none
        case .error: return .any
        case .string(let parts):
            for part in parts {
                if case .interpolation(let inner, _) = part { checkExpr(inner, in: scope) }
            }
            return .string
        case .paren(let inner):
            return checkExpr(inner, in: scope)
        case .name(let id):
            guard let sym = resolve(id, in: scope) else { return .any }
            return typeOfSymbol(sym)
        case .list(let elements):
            var t: DCLType?
            for el in elements {
                let et = checkExpr(el, in: scope)
                t = t.map { $0.join(et) } ?? et
            }
            return .list(t ?? .any)
        case .comprehension(let element, let variable, let sequence, let condition):
            let seqType = checkExpr(sequence, in: scope)
            let inner = Scope(parent: scope, kind: .plain)
            let elType = seqType.elementType ?? {
                error(.notIterable, "cannot iterate over a value of type \(seqType)", at: sequence.span)
                return DCLType.any
            }()
            inner.define(Symbol(name: variable.name, kind: .loopVariable, type: elType, span: variable.span,
                                facts: iterationFacts(of: sequence, in: scope)))
            if let c = condition { expectType(c, .bool, in: inner, what: "a comprehension condition") }
            return .list(checkExpr(element, in: inner))
        case .record(let fields):
            var seen: [String: SourceSpan] = [:]
            var types: [String: DCLType] = [:]
            for f in fields {
                if let first = seen[f.name.name] {
                    diagnostics.emit(Diagnostic.error(.fieldGivenTwice, "field `\(f.name.name)` appears twice in this record", at: f.name.span)
                        .withLabel(first, "first given here"))
                }
                seen[f.name.name] = f.name.span
                types[f.name.name] = checkExpr(f.value, in: scope)
            }
            return .record(types)
        case .call(let callee, let args):
            return checkCall(callee: callee, arguments: args, span: e.span, in: scope)
        case .member(let base, let name):
            return checkMember(base: base, name: name, in: scope)
        case .index(let base, let index):
            let bt = checkExpr(base, in: scope)
            let it = checkExpr(index, in: scope)
            switch bt {
            case .list(let el):
                if !it.isAssignable(to: .int) { error(.wrongType, "a list index must be an int, found \(it)", at: index.span) }
                return el
            case .string:
                if !it.isAssignable(to: .int) { error(.wrongType, "a string index must be an int, found \(it)", at: index.span) }
                return .string
            case .clients, .role(fleet: true):
                if !it.isAssignable(to: .int) { error(.wrongType, "a client index must be an int, found \(it)", at: index.span) }
                return .client
            case .record:
                if !it.isAssignable(to: .string) { error(.wrongType, "a record index must be a string, found \(it)", at: index.span) }
                return .any
            case .any: return .any
            default:
                error(.notIndexable, "a value of type \(bt) cannot be indexed", at: e.span)
                return .any
            }
        case .unary(let op, let operand):
            let t = checkExpr(operand, in: scope)
            switch op {
            case .not:
                if !t.isAssignable(to: .bool) { error(.wrongType, "`not` needs a bool, found \(t)", at: operand.span) }
                return .bool
            case .negate, .plus:
                if t.isNumeric || t == .tensor || t == .bytes { return t }
                error(.wrongType, "`\(op.rawValue)` needs a number or a tensor, found \(t)", at: operand.span)
                return .any
            }
        case .binary(let op, let lhs, let rhs):
            if op == .pipe { return checkPipe(lhs, rhs, span: e.span, in: scope) }
            return checkBinary(op, lhs, rhs, span: e.span, in: scope)
        case .ifElse(let c, let a, let b):
            expectType(c, .bool, in: scope, what: "an `if` condition")
            return checkExpr(a, in: scope).join(checkExpr(b, in: scope))
        }
    }

    /// Resolves a name, reporting unknown, ambiguous and used-before-definition names.
    func resolve(_ id: Identifier, in scope: Scope) -> Symbol? {
        guard let sym = scope.lookup(id.name) else {
            unknownName(id, in: scope)
            return nil
        }
        switch sym.kind {
        case .ambiguous(let mods):
            error(.ambiguousName, "`\(id.name)` is defined by both \(mods.map { "`\($0.name)`" }.joined(separator: " and "))", at: id.span,
                  hint: "import one of them with `as` and qualify the name")
            return nil
        case .binding(_, let index?, let m) where m === module && index >= currentItemIndex:
            diagnostics.emit(Diagnostic.error(.usedBeforeDefinition, "`\(id.name)` is used before its definition", at: id.span)
                .withLabel(sym.span, "defined here"))
            return nil
        case .declaration(let d, let m):
            if let info = valueDeclarationInfo(d, in: m, usedAt: id.span) {
                sym.type = info.0
                sym.facts = info.1
            }
        default:
            break
        }
        return sym
    }

    func typeOfSymbol(_ sym: Symbol) -> DCLType { sym.type }

    /// Checks `e` against an expected type, with a message naming what the value is for.
    func expectType(_ e: Expr, _ expected: DCLType, in scope: Scope, what: String) {
        let t = checkExpr(e, in: scope)
        if !t.isAssignable(to: expected) {
            error(.wrongType, "\(what) must be \(article(expected)), found \(t)", at: e.span)
        }
    }

    func article(_ t: DCLType) -> String {
        let s = t.description
        return (s.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + s
    }

    func checkBinary(_ op: BinaryOp, _ lhs: Expr, _ rhs: Expr, span: SourceSpan, in scope: Scope) -> DCLType {
        let a = checkExpr(lhs, in: scope), b = checkExpr(rhs, in: scope)
        if a == .any || b == .any {
            switch op {
            case .and, .or, .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return .bool
            case .range, .rangeInclusive: return .range
            default: return .any
            }
        }
        func mismatch() -> DCLType {
            error(.operatorMismatch, "`\(op.rawValue)` cannot combine \(a) and \(b)", at: span)
            return .any
        }
        switch op {
        case .and, .or:
            if a != .bool { error(.wrongType, "`\(op.rawValue)` needs bool operands, found \(a)", at: lhs.span) }
            if b != .bool { error(.wrongType, "`\(op.rawValue)` needs bool operands, found \(b)", at: rhs.span) }
            return .bool
        case .equal, .notEqual:
            if !(a.isAssignable(to: b) || b.isAssignable(to: a)) { return mismatch() }
            return .bool
        case .less, .lessEqual, .greater, .greaterEqual:
            if (a.isNumeric && b.isNumeric) || (a == .string && b == .string) || (a == .bytes && b == .bytes) { return .bool }
            return mismatch()
        case .range, .rangeInclusive:
            if a != .int { error(.wrongType, "a range bound must be an int, found \(a)", at: lhs.span) }
            if b != .int { error(.wrongType, "a range bound must be an int, found \(b)", at: rhs.span) }
            return .range
        case .concat:
            switch (a, b) {
            case (.list(let x), .list(let y)): return .list(x.join(y))
            case (.dataset, .dataset): return .dataset
            case (.string, .string): return .string
            default: return mismatch()
            }
        case .add, .subtract, .multiply, .divide, .remainder, .power:
            if a == .tensor || b == .tensor {
                if (a == .tensor || a.isNumeric) && (b == .tensor || b.isNumeric), op != .remainder { return .tensor }
                return mismatch()
            }
            if a.isModelLike && b.isModelLike && op == .add { return .model }
            if a == .string && b == .string && op == .add { return .string }
            if op == .add, case .list(let x) = a, case .list(let y) = b { return .list(x.join(y)) }
            if a == .bytes || b == .bytes {
                switch (op, a, b) {
                case (.add, .bytes, .bytes), (.subtract, .bytes, .bytes): return .bytes
                case (.multiply, .bytes, .int), (.multiply, .int, .bytes), (.divide, .bytes, .int): return .bytes
                case (.divide, .bytes, .bytes): return .float
                default: return mismatch()
                }
            }
            guard a.isNumeric && b.isNumeric else { return mismatch() }
            if op == .divide { return .float }
            return a == .int && b == .int ? .int : .float
        case .pipe:
            return .any
        }
    }

    /// `a |> f`: applies the value of `f` to `a` — a layer to a tensor (or composes two layers),
    /// a transform to a dataset, a model to a tensor, a function to its first argument.
    func checkPipe(_ lhs: Expr, _ rhs: Expr, span: SourceSpan, in scope: Scope) -> DCLType {
        let subject = checkExpr(lhs, in: scope)
        // `a |> f(args)` and `a |> f` where f is a built-in: the subject is the implicit first input.
        switch rhs.kind {
        case .call(let callee, let args):
            // One lookup of the name (a built-in's walks every scope up to the catalog's).
            if case .name(let id) = callee.kind, let sym = scope.lookup(id.name) {
                if case .builtin(let spec) = sym.kind {
                    record(callee, .function)
                    return record(rhs, checkBuiltinCall(spec, arguments: args, subject: (subject, lhs), span: rhs.span, in: scope))
                }
                if case .declaration(let d, _) = sym.kind, case .function(let fd) = d.kind {
                    // A function whose first parameter receives the subject: `data |> prepare(0.5)`.
                    record(callee, .function)
                    return record(rhs, checkFunctionCall(fd, arguments: args, subject: (subject, lhs), span: rhs.span, in: scope))
                }
            }
        case .name(let id):
            if let sym = scope.lookup(id.name) {
                if case .builtin(let spec) = sym.kind {
                    record(rhs, .function)
                    return checkBuiltinCall(spec, arguments: [], subject: (subject, lhs), span: rhs.span, in: scope)
                }
                if case .declaration(let d, _) = sym.kind, case .function(let fd) = d.kind {
                    record(rhs, .function)
                    return checkFunctionCall(fd, arguments: [], subject: (subject, lhs), span: rhs.span, in: scope)
                }
            }
        default:
            break
        }
        let f = checkExpr(rhs, in: scope)
        return apply(f, to: subject, subjectSpan: lhs.span, span: span)
    }

    /// The result of applying a value of type `f` to one of type `subject`.
    func apply(_ f: DCLType, to subject: DCLType, subjectSpan: SourceSpan, span: SourceSpan) -> DCLType {
        switch f {
        case .any, .function: return .any
        case .layer:
            switch subject {
            case .tensor: return .tensor
            case .layer: return .layer
            case .any: return .any
            default:
                error(.wrongApplication, "a layer applies to a tensor, found \(subject)", at: subjectSpan,
                      hint: subject == .dataset ? "models are trained on data with `train`, not piped" : nil)
                return .any
            }
        case .model, .distill, .split, .plugin:
            if subject == .tensor || subject == .any { return .tensor }
            error(.wrongApplication, "a model applies to a tensor, found \(subject)", at: subjectSpan,
                  hint: subject == .dataset ? "use `evaluate(model, on: data)`" : nil)
            return .any
        default:
            error(.notCallable, "a value of type \(f) cannot be applied with `|>`", at: span)
            return .any
        }
    }
}
