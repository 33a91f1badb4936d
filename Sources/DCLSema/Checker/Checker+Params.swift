// Script parameters: `param NAME: TYPE = DEFAULT`. A param's value is fixed before anything
// runs — the default, or `dcl run --set NAME=VALUE` — so its type must be one a command line can
// spell and its default a constant: then `role device[devices]`, a model's width or a budget
// read from a param are as static as a literal, for the checker and for `dcl check --set`.

import DCLDiagnostics
import DCLSyntax

extension Checker {
    func checkParam(_ name: Identifier, type: TypeExpr, value: Expr, keyword: SourceSpan, in scope: Scope) -> DCLType {
        // A module's `param` could not be reached by `--set`, which sets the script being run.
        if module !== modules.last {
            error(.misplacedDeclaration, "`param` belongs in the script being run, not in module `\(module.name)`, which is imported",
                  at: keyword, hint: "`--set` sets only the script's own params: pass the value to a function of this module instead")
        }
        guard let declared = ScriptParamType(type)?.type else {
            let allowed = ScriptParamType.allCases.map(\.rawValue)
            if type.arguments.isEmpty, DCLType.named(type.name.name, arguments: []) == nil {
                let hint = closestName(to: type.name.name, among: allowed).map { "did you mean `\($0)`?" }
                error(.unknownType, "unknown type `\(type.name.name)`", at: type.span, hint: hint)
            } else {
                error(.paramType, "a param's type is `int`, `float`, `bool` or `string`, not `\(text(of: type))`",
                      at: type.span, hint: "a param's value comes from the command line (`--set \(name.name)=…`), which spells only these types")
            }
            // The default is checked once the type is one a param may have.
            _ = checkExpr(value, in: scope)
            return .any
        }
        let t = checkExpr(value, in: scope)
        if let bad = firstNonConstant(value) {
            error(.paramNotConstant, "the default of param `\(name.name)` must be a constant, but it reads \(bad.what)",
                  at: bad.span, hint: "a param is fixed before the script runs: write a literal here and derive other values below, e.g. `let half = \(name.name) / 2`")
        } else if !t.isAssignable(to: declared) {
            let hint = declared == .int && t == .float ? "an int param takes an integer default, e.g. `20`; use `div(a, b)` for whole-number division" : nil
            error(.wrongType, "param `\(name.name)` is declared \(declared), but its default is \(t)", at: value.span, hint: hint)
        }
        return declared
    }

    /// The first part of `e` that is not a constant (a literal, or operators and parentheses
    /// over literals), with what it is for the message.
    func firstNonConstant(_ e: Expr) -> (span: SourceSpan, what: String)? {
        switch e.kind {
        case .int, .float, .size, .bool, .none, .error:
            return nil
        case .string(let parts):
            for case .interpolation(let x, _) in parts { return (x.span, "an interpolation") }
            return nil
        case .paren(let x), .unary(_, let x):
            return firstNonConstant(x)
        case .binary(let op, let a, let b):
            if op == .pipe || op == .range || op == .rangeInclusive { return (e.span, "`\(op.rawValue)`") }
            return firstNonConstant(a) ?? firstNonConstant(b)
        case .name(let id):
            return (id.span, "the name `\(id.name)`")
        case .call:
            return (e.span, "a call")
        case .list, .comprehension:
            return (e.span, "a list")
        case .record:
            return (e.span, "a record")
        case .member, .index:
            return (e.span, "`\(text(of: e))`")
        case .ifElse:
            return (e.span, "an `if` expression")
        }
    }

    func text(of e: Expr) -> String {
        switch e.kind {
        case .name(let id): return id.name
        case .member(let base, let name): return text(of: base) + "." + name.name
        case .index(let base, _): return text(of: base) + "[…]"
        default: return "…"
        }
    }

    func text(of t: TypeExpr) -> String {
        t.arguments.isEmpty ? t.name.name : "\(t.name.name)[\(t.arguments.map { text(of: $0) }.joined(separator: ", "))]"
    }
}
