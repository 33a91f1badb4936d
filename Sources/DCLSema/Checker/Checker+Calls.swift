// Calls: built-ins (checked against the catalog), user functions, model and block
// constructors, applications of layers and models to tensors, and methods of pattern values.

import DCLDiagnostics
import DCLSyntax

/// A parameter as the argument matcher sees it, whatever declared it.
struct FormalParam: Sendable {
    let name: String
    let type: DCLType
    let required: Bool
    var choices: [String] = []
}

extension Checker {
    func checkCall(callee: Expr, arguments: [Argument], span: SourceSpan, in scope: Scope) -> DCLType {
        switch callee.kind {
        case .name(let id):
            guard let sym = resolve(id, in: scope) else {
                for a in arguments { checkExpr(a.value, in: scope) }
                return .any
            }
            record(callee, sym.type)
            switch sym.kind {
            case .builtin(let spec):
                return checkBuiltinCall(spec, arguments: arguments, subject: nil, span: span, in: scope)
            case .declaration(let d, _):
                switch d.kind {
                case .function(let fd):
                    return checkFunctionCall(fd, arguments: arguments, subject: nil, span: span, in: scope)
                case .model(let md):
                    if md.params == nil {
                        // `tiny(x)` applies the parameterless model instance.
                        return applyArguments(.model, arguments, calleeName: id.name, span: span, in: scope)
                    }
                    _ = matchArguments(arguments, to: formalParams(md.params ?? [], in: scope), callee: "model `\(id.name)`",
                                       span: span, in: scope)
                    return .model
                case .block(let bd):
                    _ = matchArguments(arguments, to: formalParams(bd.params, in: scope), callee: "block `\(id.name)`",
                                       span: span, in: scope)
                    return .layer
                default:
                    return applyArguments(sym.type, arguments, calleeName: id.name, span: span, in: scope)
                }
            default:
                return applyArguments(sym.type, arguments, calleeName: id.name, span: span, in: scope)
            }
        case .member(let base, let name):
            let bt = checkExpr(base, in: scope)
            if let method = Members.method(of: bt, named: name.name) {
                record(callee, .function)
                let formals = method.params.map { FormalParam(name: $0.name, type: $0.type, required: $0.isRequired, choices: $0.choices) }
                _ = matchArguments(arguments, to: formals, callee: "`\(name.name)`", span: span, in: scope)
                return method.returns
            }
            let ct = record(callee, memberType(bt, base: base, name: name, in: scope))
            return applyArguments(ct, arguments, calleeName: name.name, span: span, in: scope)
        default:
            let ct = checkExpr(callee, in: scope)
            return applyArguments(ct, arguments, calleeName: nil, span: span, in: scope)
        }
    }

    /// A layer or model applied to tensors: `residual(64)(x)`, `control(x)`, `rec(user, item)`.
    func applyArguments(_ f: DCLType, _ arguments: [Argument], calleeName: String?, span: SourceSpan, in scope: Scope) -> DCLType {
        let what = calleeName.map { "`\($0)`" } ?? "this value"
        for a in arguments {
            let t = checkExpr(a.value, in: scope)
            if let label = a.label, f.isModelLike || f == .layer {
                error(.unknownArgument, "\(what) takes tensors, not named arguments", at: label.span)
            } else if (f.isModelLike || f == .layer) && t != .tensor && t != .any {
                error(.wrongType, "\(what) applies to tensors, found \(t)", at: a.value.span,
                      hint: t == .dataset ? "use `evaluate(model, on: data)`" : nil)
            }
        }
        switch f {
        case .any, .function, .constructor: return .any
        case .layer, .model, .distill, .split, .plugin:
            if arguments.isEmpty {
                // `model net { … }` without a parameter list declares the instance itself;
                // `net()` reads as constructing one.
                let hint = f == .model && calleeName != nil
                    ? "a model applies to tensors: `\(calleeName!)(x)`; declared without parameters, `\(calleeName!)` already is a model — use it as it is, or `copy(\(calleeName!))` for another instance"
                    : nil
                error(.argumentCount, "\(what) needs at least one tensor", at: span, hint: hint)
            }
            return .tensor
        default:
            error(.notCallable, "\(what) of type \(f) is not callable", at: span)
            return .any
        }
    }

    func formalParams(_ params: [Param], in scope: Scope) -> [FormalParam] {
        params.map { p in
            FormalParam(name: p.name.name, type: p.type.map { resolveType($0) } ?? .any, required: p.defaultValue == nil)
        }
    }

    func resolveType(_ t: TypeExpr) -> DCLType {
        let args = t.arguments.map { resolveType($0) }
        if let ty = DCLType.named(t.name.name, arguments: args) { return ty }
        let hint = closestName(to: t.name.name, among: DCLType.writtenNames).map { "did you mean `\($0)`?" }
        error(.unknownType, "unknown type `\(t.name.name)`", at: t.name.span, hint: hint)
        return .any
    }

    // MARK: - Built-ins

    func checkBuiltinCall(_ spec: BuiltinSpec, arguments: [Argument], subject: (DCLType, Expr)?, span: SourceSpan,
                          in scope: Scope) -> DCLType {
        var args = arguments
        var subjectType = subject?.0
        let formals = spec.formals

        switch spec.kind {
        case .layer:
            if case .reduction = spec.returns {
                return checkReduction(spec, arguments: args, subject: subjectType, span: span, in: scope)
            }
            // A leading tensor (or layer, to compose) in the first position is the layer's input.
            if subjectType == nil, let first = args.first, first.label == nil {
                let t = checkExpr(first.value, in: scope)
                if t == .tensor || t == .layer {
                    subjectType = t
                    args.removeFirst()
                }
            }
            _ = matchArguments(args, to: formals, callee: "`\(spec.name)`", span: span, in: scope)
            switch subjectType {
            case nil: return .layer
            case .tensor?: return .tensor
            case .layer?: return .layer
            case .any?: return .any
            case let t?:
                error(.wrongApplication, "`\(spec.name)` applies to a tensor, found \(t)", at: subject?.1.span ?? span)
                return .any
            }
        case .transform:
            if subjectType == nil, let first = args.first, first.label == nil {
                let t = checkExpr(first.value, in: scope)
                if t == .dataset || t == .clients {
                    subjectType = t
                    args.removeFirst()
                }
            }
            _ = matchArguments(args, to: formals, callee: "`\(spec.name)`", span: span, in: scope)
            guard let st = subjectType else { return .function }
            if st != .dataset && st != .any && !(st == .clients && spec.builtin != .transform(.partition)) {
                error(.wrongApplication, "`\(spec.name)` transforms a dataset, found \(st)", at: subject?.1.span ?? span,
                      hint: st == .record(["train": .dataset, "test": .dataset]) ? "pick a part first, e.g. `.train`" : nil)
                return .any
            }
            if st == .clients { return .clients }
            return resultType(spec, firstArgument: st)
        default:
            var firstType: DCLType?
            if let (t, _) = subject {
                // The piped value is the first parameter.
                guard let p0 = formals.first else {
                    error(.argumentCount, "`\(spec.name)` takes no arguments to pipe into", at: span)
                    return .any
                }
                if !t.isAssignable(to: p0.type) {
                    error(.wrongType, "`\(spec.name)` expects \(article(p0.type)) for `\(p0.name)`, found \(t)", at: subject!.1.span)
                }
                firstType = t
                _ = matchArguments(args, to: Array(formals.dropFirst()), callee: "`\(spec.name)`", span: span, in: scope)
            } else {
                let matched = matchArguments(args, to: formals, callee: "`\(spec.name)`", span: span, in: scope)
                firstType = matched.first?.type ?? nil
                validateBuiltinCall(spec, arguments: args, span: span, in: scope)
            }
            return resultType(spec, firstArgument: firstType)
        }
    }

    func resultType(_ spec: BuiltinSpec, firstArgument: DCLType?) -> DCLType {
        switch spec.returns {
        case .fixed(let t): return t
        case .sameAsFirst: return firstArgument ?? .any
        case .layerOrApplied: return .layer
        case .reduction: return .any
        }
    }

    /// `sum`/`mean`/`max`/`min`: of a list, of numbers, of a tensor along axes, or a layer.
    func checkReduction(_ spec: BuiltinSpec, arguments: [Argument], subject: DCLType?, span: SourceSpan, in scope: Scope) -> DCLType {
        let positional = arguments.filter { $0.label == nil }
        let named = arguments.filter { $0.label != nil }
        let formals = spec.params.map { FormalParam(name: $0.name, type: $0.type, required: false) }
        if let s = subject {
            _ = matchArguments(arguments, to: formals, callee: "`\(spec.name)`", span: span, in: scope)
            return s == .tensor ? .tensor : (s == .layer ? .layer : .any)
        }
        guard let first = positional.first else {
            _ = matchArguments(named, to: formals, callee: "`\(spec.name)`", span: span, in: scope)
            return .layer
        }
        let ft = checkExpr(first.value, in: scope)
        switch ft {
        case .tensor, .layer:
            _ = matchArguments(Array(arguments.dropFirst()), to: formals, callee: "`\(spec.name)`", span: span, in: scope)
            return ft
        case .list(let el):
            if positional.count > 1 { error(.argumentCount, "`\(spec.name)` of a list takes one list", at: span) }
            if !el.isNumeric { error(.wrongType, "`\(spec.name)` needs numbers, found \(ft)", at: first.value.span) }
            return spec.builtin == .layer(.mean) ? .float : (el == .int ? .int : (el == .any ? .any : .float))
        default:
            var t = ft
            if !ft.isNumeric { error(.wrongType, "`\(spec.name)` needs numbers, a list or a tensor, found \(ft)", at: first.value.span) }
            for a in positional.dropFirst() {
                let at = checkExpr(a.value, in: scope)
                if !at.isNumeric { error(.wrongType, "`\(spec.name)` needs numbers, found \(at)", at: a.value.span) }
                t = t.join(at)
            }
            for a in named { error(.unknownArgument, "`\(spec.name)` of numbers takes no named arguments", at: a.label!.span) }
            return spec.builtin == .layer(.mean) ? .float : t
        }
    }

    /// Rules a signature cannot express.
    func validateBuiltinCall(_ spec: BuiltinSpec, arguments: [Argument], span: SourceSpan, in scope: Scope) {
        let labels = Set(arguments.compactMap { $0.label?.name })
        switch spec.builtin {
        case .pattern(.vertical):
            let hasModel = labels.contains("model") || arguments.contains { $0.label == nil }
            let hasPair = labels.contains("cloud") || labels.contains("device")
            if hasModel && hasPair {
                error(.builtinRule, "`vertical` takes either one backbone to split by width or a `cloud:` and `device:` pair, not both", at: span)
            } else if !hasModel && !(labels.contains("cloud") && labels.contains("device")) {
                error(.builtinRule, "`vertical` needs a backbone, or both `cloud:` and `device:`", at: span,
                      hint: "vertical(lenet(10), device_width: 1/8) or vertical(cloud: a, device: b)")
            }
        case .script(.claim):
            if labels.contains("above") == labels.contains("below") {
                error(.builtinRule, labels.contains("above") ? "`claim` takes `above:` or `below:`, not both"
                                                            : "`claim` needs `above:` or `below:`, the number the value is claimed to beat",
                      at: span, hint: "claim(\"ours beats the baseline\", ours, above: baseline)")
            }
        case .model(.average):
            if case .list(let ms)? = arguments.first(where: { $0.label == nil || $0.label?.name == "models" })?.value.kind,
               case .list(let ws)? = arguments.first(where: { $0.label?.name == "weights" })?.value.kind, ms.count != ws.count {
                error(.builtinRule, "`average` got \(ms.count) models but \(ws.count) weights", at: span)
            }
        default:
            // Only these two have rules beyond their signature; every other built-in is fully
            // checked by matchArguments.
            break
        }
    }

    // MARK: - User functions

    func checkFunctionCall(_ fd: FunctionDecl, arguments: [Argument], subject: (DCLType, Expr)?, span: SourceSpan,
                           in scope: Scope) -> DCLType {
        var formals = formalParams(fd.params, in: scope)
        if let (t, e) = subject {
            guard let p0 = formals.first else {
                error(.argumentCount, "`\(fd.name.name)` takes no arguments to pipe into", at: span)
                return .any
            }
            if !t.isAssignable(to: p0.type) {
                error(.wrongType, "`\(fd.name.name)` expects \(article(p0.type)) for `\(p0.name)`, found \(t)", at: e.span)
            }
            formals.removeFirst()
        }
        _ = matchArguments(arguments, to: formals, callee: "`\(fd.name.name)`", span: span, in: scope)
        return functionReturnType(fd)
    }

    func functionReturnType(_ fd: FunctionDecl) -> DCLType {
        if let rt = fd.returnType { return resolveType(rt) }
        return functionReturnTypes["\(module.name).\(fd.name.name)"] ?? .any
    }

    // MARK: - Argument matching

    /// Matches positional then named arguments to parameters; reports too many, unknown,
    /// duplicated and missing arguments and type mismatches. Returns the type of each matched
    /// parameter's argument.
    /// Matches arguments to parameters and checks each; returns, per parameter, the checked type
    /// and where it was given (nil where it was not). Per position rather than by name: every layer call of every
    /// model body comes here, and two dictionaries per call showed in `dcl check`'s profile.
    @discardableResult
    func matchArguments(_ arguments: [Argument], to params: [FormalParam], callee: @autoclosure () -> String, span: SourceSpan,
                        in scope: Scope) -> [(type: DCLType?, span: SourceSpan?)] {
        var matched = [(type: DCLType?, span: SourceSpan?)](repeating: (nil, nil), count: params.count)
        var positionalIndex = 0
        var sawNamed = false
        for arg in arguments {
            let index: Int
            if let label = arg.label {
                sawNamed = true
                guard let i = params.firstIndex(where: { $0.name == label.name }) else {
                    let hint = closestName(to: label.name, among: params.map(\.name)).map { "did you mean `\($0)`?" }
                        ?? (params.isEmpty ? nil : "\(callee()) takes " + params.map { "`\($0.name)`" }.joined(separator: ", "))
                    error(.unknownArgument, "\(callee()) has no parameter named `\(label.name)`", at: label.span, hint: hint)
                    checkExpr(arg.value, in: scope)
                    continue
                }
                index = i
            } else {
                if sawNamed {
                    error(.positionalAfterNamed, "a positional argument cannot follow named ones", at: arg.value.span)
                }
                guard positionalIndex < params.count else {
                    error(.argumentCount, "\(callee()) takes \(params.count) argument\(params.count == 1 ? "" : "s"), found more",
                          at: arg.value.span)
                    checkExpr(arg.value, in: scope)
                    continue
                }
                index = positionalIndex
                positionalIndex += 1
            }
            let p = params[index]
            if let first = matched[index].span {
                diagnostics.emit(Diagnostic.error(.argumentGivenTwice, "argument `\(p.name)` of \(callee()) is given twice", at: arg.span)
                    .withLabel(first, "first given here"))
            }
            matched[index].span = arg.span
            matched[index].type = checkArgument(arg.value, for: p, callee: callee(), in: scope)
        }
        var missing: [String] = []
        for (p, m) in zip(params, matched) where p.required && m.span == nil { missing.append("`\(p.name)`") }
        if !missing.isEmpty {
            error(.argumentCount, "\(callee()) is missing argument\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))", at: span)
        }
        return matched
    }

    func checkArgument(_ e: Expr, for p: FormalParam, callee: @autoclosure () -> String, in scope: Scope) -> DCLType {
        if p.type == .option {
            var given: String?
            switch e.kind {
            case .name(let id): given = id.name
            case .string(let parts):
                if parts.count == 1, case .text(let s) = parts[0] { given = s }
                if parts.isEmpty { given = "" }
            default: break
            }
            record(e, .option)
            guard let g = given else {
                checkExpr(e, in: scope)
                error(.wrongType, "`\(p.name)` of \(callee()) must be one of \(p.choices.map { "`\($0)`" }.joined(separator: ", "))", at: e.span)
                return .option
            }
            if !p.choices.isEmpty && !p.choices.contains(g) {
                let hint = closestName(to: g, among: p.choices).map { "did you mean `\($0)`?" }
                error(.notAChoice, "`\(g)` is not a choice for `\(p.name)` of \(callee()): expected \(p.choices.map { "`\($0)`" }.joined(separator: ", "))",
                      at: e.span, hint: hint)
            }
            return .option
        }
        let t = checkExpr(e, in: scope)
        if !t.isAssignable(to: p.type) && !(p.type == .float && t == .int) {
            var hint: String?
            if p.type == .int && t == .float { hint = "use `div(a, b)` for integer division, or `int(x)`" }
            if p.type == .model && t == .constructor { hint = "call the constructor to make an instance, e.g. `name(...)`" }
            error(.wrongType, "`\(p.name)` of \(callee()) expects \(article(p.type)), found \(t)", at: e.span, hint: hint)
        }
        return t
    }
}
