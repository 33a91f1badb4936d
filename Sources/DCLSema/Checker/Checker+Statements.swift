// Statements: bindings and assignments, control flow, print, train, distill, save and load.

import DCLDiagnostics
import DCLSyntax

extension Checker {
    func checkBlock(_ block: Block, in scope: Scope) {
        for s in block.statements { checkStatement(s, in: scope, topLevel: false) }
    }

    func checkStatement(_ s: Stmt, in scope: Scope, topLevel: Bool) {
        switch s.kind {
        case .importDecl:
            error(.misplacedDeclaration, "`import` is only allowed at the top of a file", at: s.span)
        case .decl(let d):
            error(.misplacedDeclaration, "`\(d.keyword)` declarations are only allowed at the top level", at: d.keywordSpan)
        case .binding(let name, let annotation, let value, let mutable):
            var t = checkExpr(value, in: scope)
            if let a = annotation {
                let declared = resolveType(a)
                if !t.isAssignable(to: declared) {
                    error(.wrongType, "`\(name.name)` is declared \(declared) but its value is \(t)", at: value.span)
                }
                t = declared
            }
            let facts = placementFacts(of: value, in: scope)
            if topLevel, let existing = scope.lookupLocal(name.name), case .binding = existing.kind {
                // Declared up front by moduleScope; now its type is known.
                existing.type = t
                existing.facts = facts
            } else {
                if let existing = scope.lookupLocal(name.name), !topLevel {
                    diagnostics.emit(Diagnostic.error(.definedTwice, "`\(name.name)` is already defined in this scope", at: name.span)
                        .withLabel(existing.span, "first defined here"))
                }
                scope.define(Symbol(name: name.name, kind: .binding(mutable: mutable, topLevelIndex: nil, module: nil),
                                    type: t, span: name.span, facts: facts))
            }
        case .assign(let target, let op, let value):
            checkAssignment(target, op, value, in: scope)
        case .ifStmt(let branches, let elseBody):
            for b in branches {
                expectType(b.condition, .bool, in: scope, what: "an `if` condition")
                checkBlock(b.body, in: Scope(parent: scope, kind: .plain))
            }
            if let e = elseBody { checkBlock(e, in: Scope(parent: scope, kind: .plain)) }
        case .forStmt(let vars, let sequence, let body):
            let st = checkExpr(sequence, in: scope)
            let inner = Scope(parent: scope, kind: .loop)
            var el = st.elementType ?? {
                error(.notIterable, "cannot iterate over a value of type \(st)", at: sequence.span,
                      hint: st == .int ? "iterate over a range, e.g. `0..n`" : nil)
                return DCLType.any
            }()
            if scope.isInLayerBody, st == .range { el = .int }
            // `for i, x in …` enumerates whatever `for x in …` iterates (lists, clients, a device
            // role, ranges, strings): the interpreter counts the items it yields.
            if vars.count == 2 {
                inner.define(Symbol(name: vars[0].name, kind: .loopVariable, type: .int, span: vars[0].span))
            }
            if let v = vars.last {
                inner.define(Symbol(name: v.name, kind: .loopVariable, type: el, span: v.span,
                                    facts: iterationFacts(of: sequence, in: scope)))
            }
            checkBlock(body, in: inner)
        case .whileStmt(let condition, let body):
            expectType(condition, .bool, in: scope, what: "a `while` condition")
            checkBlock(body, in: Scope(parent: scope, kind: .loop))
        case .returnStmt(let value):
            guard let (_, expected) = scope.enclosingFunction else {
                error(.misplacedControlFlow, "`return` outside a function, model or block", at: s.span)
                if let v = value { checkExpr(v, in: scope) }
                return
            }
            let t = value.map { checkExpr($0, in: scope) } ?? DCLType.none
            if let exp = expected, !t.isAssignable(to: exp), !(exp == .tensor && t == .layer) {
                error(.wrongType, "this returns \(t), but \(exp) is expected", at: value?.span ?? s.span)
            }
            noteReturn(t)
        case .breakStmt, .continueStmt:
            if !scope.isInsideLoop {
                error(.misplacedControlFlow, "`\(s.kind.isBreak ? "break" : "continue")` outside a loop", at: s.span)
            }
        case .printStmt(let values):
            for v in values { checkExpr(v, in: scope) }
        case .train(let t):
            checkTrain(t, span: s.span, in: scope)
        case .distillRun(let name, let data, let options):
            let nt = checkExpr(name, in: scope)
            if nt != .distill && nt != .any {
                error(.wrongType, "`distill … on` runs a `distill` declaration, found \(nt)", at: name.span)
            }
            let dt = checkExpr(data, in: scope)
            if dt != .dataset && dt != .clients && dt != .any {
                error(.wrongType, "distillation data must be a dataset, found \(dt)", at: data.span)
            }
            if let o = options { checkOptions(o, allowed: Self.trainOptions, context: "distill", in: scope) }
            checkDistillPlacement(name: name, data: data, in: scope)
        case .save(let subject, let path):
            let st = checkExpr(subject, in: scope)
            // Lists (tables of records, nested numbers) go to .csv or .npy; the runtime picks by
            // the path's extension.
            var isList = false
            if case .list = st { isList = true }
            if !st.isModelLike && st != .bundle && !isList {
                error(.wrongType, "only models and bundles (their weights) and lists (as .csv or .npy) can be saved, found \(st)", at: subject.span)
            }
            expectType(path, .string, in: scope, what: "a path")
        case .load(let subject, let path):
            let st = checkExpr(subject, in: scope)
            if !st.isModelLike && st != .bundle {
                error(.wrongType, "only the weights of models and bundles can be saved or loaded, found \(st)", at: subject.span)
            }
            expectType(path, .string, in: scope, what: "a weights path")
        case .input(let name, _):
            error(.shape, "`input` declares a model's input and belongs directly in a `model` body", at: name.span)
        case .section(let kind, _, let kw):
            error(.shape, "a `\(kind.rawValue)` section belongs directly in a `model` body", at: kw)
        case .expr(let e):
            let t = checkExpr(e, in: scope)
            if scope.isInLayerBody, t != .tensor, t != .layer, t != .any, t != DCLType.none {
                error(.bodyLineNotALayer, "a line of a model or block body must be a layer or a tensor, found \(t)", at: e.span)
            }
        case .error:
            break
        }
    }

    func checkAssignment(_ target: Expr, _ op: AssignOp, _ value: Expr, in scope: Scope) {
        let vt = checkExpr(value, in: scope)
        switch target.kind {
        case .name(let id):
            if scope.isInLayerBody {
                // Model and block bodies name tensors freely: `h = x |> conv2d(…)`, `x = x |> f`.
                if let sym = scope.lookup(id.name), case .tensor = sym.kind {
                    record(target, .tensor)
                    return
                }
                if let sym = scope.lookup(id.name), case .parameter = sym.kind, vt == .tensor || vt == .any {
                    scope.define(Symbol(name: id.name, kind: .tensor, type: .tensor, span: id.span))
                    record(target, .tensor)
                    return
                }
                if op != .assign { error(.cannotAssign, "`\(id.name)` is not defined yet", at: id.span) }
                scope.define(Symbol(name: id.name, kind: .tensor, type: vt == .any ? .tensor : vt, span: id.span))
                record(target, vt)
                return
            }
            guard let sym = resolve(id, in: scope) else { return }
            record(target, sym.type)
            guard sym.isMutable else {
                var d = Diagnostic.error(.cannotAssign, "cannot assign to `\(id.name)`: it is not a `var`", at: id.span)
                if case .binding = sym.kind { d = d.withLabel(sym.span, "defined with `let` here") }
                d.hint = "declare it with `var` to reassign it"
                diagnostics.emit(d)
                return
            }
            checkCompoundAssignment(op, current: sym.type, value: vt, span: value.span)
            if sym.type == DCLType.none, op == .assign {
                // `var best = none` takes the type of what is first assigned.
                sym.type = vt
            } else if op == .assign, !vt.isAssignable(to: sym.type), sym.type != .any {
                // A `var` keeps the type it was declared with, widened by joins (e.g. [] then [x]).
                let joined = sym.type.join(vt)
                if joined == .any { error(.wrongType, "`\(id.name)` holds \(sym.type), cannot assign \(vt)", at: value.span) }
                else { sym.type = joined }
            } else if case .list(.any) = sym.type, case .list = vt {
                sym.type = vt
            }
        case .index(let base, let index):
            let bt = checkExpr(base, in: scope)
            checkExpr(index, in: scope)
            if case .name(let id) = base.kind, let sym = scope.lookup(id.name), !sym.isMutable {
                error(.cannotAssign, "cannot assign into `\(id.name)`: it is not a `var`", at: id.span)
            }
            if case .list = bt {} else if bt != .any { error(.notIndexable, "only list elements can be assigned, found \(bt)", at: base.span) }
        default:
            error(.cannotAssign, "cannot assign to this expression", at: target.span, hint: "assign to a `var` name or a list element")
        }
    }

    func checkCompoundAssignment(_ op: AssignOp, current: DCLType, value: DCLType, span: SourceSpan) {
        guard op != .assign else { return }
        if current == .any || value == .any { return }
        if current.isNumeric && value.isNumeric {
            if current == .int && (value == .float || op == .divide) {
                error(.wrongType, "`\(op.rawValue)` would make this int variable a float", at: span, hint: "start it as a float, e.g. `0.0`")
            }
            return
        }
        if op == .add, current == .string, value == .string { return }
        if op == .add, case .list = current, case .list = value { return }
        error(.operatorMismatch, "`\(op.rawValue)` cannot combine \(current) and \(value)", at: span)
    }

    // MARK: - train

    /// `train`'s options and their types (public for editors' completion).
    public static let trainOptions: [String: DCLType] = [
        "epochs": .int, "batch": .int, "optimizer": .optimizer, "schedule": .schedule, "clip": .float,
        "shuffle": .bool, "seed": .int, "log": .option, "steps": .int,
        "validate": .any, "every": .int, "early_stop": .record([:]), "keep": .option,
    ]

    /// The named choices of option-typed options (`train`'s and `distill … on`'s `log`, `keep`).
    static let optionChoices: [String: [String]] = ["log": ["epoch", "none"], "keep": ["best", "last"]]

    func checkTrain(_ t: TrainStmt, span: SourceSpan, in scope: Scope) {
        for target in t.targets {
            let tt = checkExpr(target, in: scope)
            if !tt.isModelLike {
                // A model declared with parameters names its constructor; `train` needs an instance.
                var hint: String?
                if tt == .constructor, case .name(let id) = target.kind {
                    hint = "construct an instance first: `let net = \(id.name)(…)`, then `train net on …`"
                }
                error(.wrongType, "`train` updates models, found \(tt)", at: target.span, hint: hint)
            }
        }
        let dt = checkExpr(t.data, in: scope)
        if dt != .dataset && dt != .clients && dt != .any {
            var hint: String?
            if case .record(let f) = dt, f["train"] != nil { hint = "train on a part, e.g. `.train`" }
            if dt == .client { hint = "train on the device's data, e.g. `.train`" }
            error(.wrongType, "`train` needs a dataset or clients, found \(dt)", at: t.data.span, hint: hint)
        }
        if let objective = t.objective {
            let inner = Scope(parent: scope, kind: .plain)
            for column in batchColumnNames where scope.lookup(column) == nil || column == "x" || column == "y" {
                inner.define(Symbol(name: column, kind: .batchColumn, type: .tensor, span: .none))
            }
            let ot = checkExpr(objective, in: inner)
            if ot != .tensor && ot != .any {
                error(.wrongType, "the objective must be a tensor (a loss), found \(ot)", at: objective.span)
            }
        }
        if let o = t.options { checkOptions(o, allowed: Self.trainOptions, context: "train", in: scope) }
        checkTrainPlacement(t, in: scope)
    }

    /// Checks an options record (`{ epochs: 3, batch: 64 }`) against the known options.
    func checkOptions(_ e: Expr, allowed: [String: DCLType], context: String, in scope: Scope) {
        guard case .record(let fields) = e.kind else {
            let t = checkExpr(e, in: scope)
            if case .record = t {} else if t != .any {
                error(.wrongType, "`\(context)` options must be a record like `{ epochs: 3 }`, found \(t)", at: e.span)
            }
            return
        }
        var seen = Set<String>()
        for f in fields {
            if !seen.insert(f.name.name).inserted {
                error(.fieldGivenTwice, "option `\(f.name.name)` is given twice", at: f.name.span)
            }
            guard let expected = allowed[f.name.name] else {
                let hint = closestName(to: f.name.name, among: allowed.keys).map { "did you mean `\($0)`?" }
                    ?? "options: " + allowed.keys.sorted().map { "`\($0)`" }.joined(separator: ", ")
                error(.unknownOption, "`\(context)` has no option `\(f.name.name)`", at: f.name.span, hint: hint)
                checkExpr(f.value, in: scope)
                continue
            }
            if f.name.name == "validate" || f.name.name == "early_stop" {
                checkValidationOption(f, context: context, in: scope)
                continue
            }
            if expected == .option {
                if let choices = Self.optionChoices[f.name.name] {
                    checkChoice(f.value, option: f.name.name, of: context, choices: choices, in: scope)
                } else {
                    // Other named choices are checked where they are used (distill's `loss`).
                    record(f.value, .option)
                }
                continue
            }
            let t = checkExpr(f.value, in: scope)
            if !t.isAssignable(to: expected) {
                error(.wrongType, "option `\(f.name.name)` expects \(article(expected)), found \(t)", at: f.value.span)
            }
        }
        checkValidationNeeded(fields, context: context)
        record(e, .record([:]))
    }

    /// An option with named choices, written bare (`log: none`) or quoted (`log: "none"`), as the
    /// interpreter reads it. A name the program defines (a parameter forwarding the choice, as
    /// StdLib's `dcccl_round` does with `log`) is a string whose value is checked when it runs.
    func checkChoice(_ e: Expr, option: String, of context: String, choices: [String], in scope: Scope) {
        let expected = choices.map { "`\($0)`" }.joined(separator: ", ")
        var given: String?
        switch e.kind {
        case .name(let id):
            if let sym = scope.lookup(id.name), sym.holdsRunTimeValue { break }
            given = id.name
        case .none:
            given = "none"
        case .string(let parts):
            if parts.isEmpty { given = "" } else if parts.count == 1, case .text(let s) = parts[0] { given = s }
        default:
            break
        }
        guard let g = given else {
            let t = checkExpr(e, in: scope)
            if !t.isAssignable(to: .string) && t != .option {
                error(.wrongType, "option `\(option)` of `\(context)` is one of \(expected), found \(t)", at: e.span)
            }
            return
        }
        record(e, .option)
        if !choices.contains(g) {
            let hint = closestName(to: g, among: choices).map { "did you mean `\($0)`?" } ?? "write one of \(expected), bare or quoted"
            error(.notAChoice, "`\(g)` is not a choice for option `\(option)` of `\(context)`: expected \(expected)", at: e.span, hint: hint)
        }
    }

    func noteReturn(_ t: DCLType) {
        guard let key = currentFunctionKey else { return }
        functionReturnTypes[key] = functionReturnTypes[key].map { $0.join(t) } ?? t
    }
}

extension StmtKind {
    var isBreak: Bool {
        if case .breakStmt = self { return true }
        return false
    }
}
