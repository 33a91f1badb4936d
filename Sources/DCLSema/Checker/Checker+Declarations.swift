// Declarations: functions, models and blocks (their bodies), and the hoisted values of the
// three patterns (data, split, distill, plugin, retrieval, role, bundle), checked once — where
// they are written or on first use, whichever comes first — with cycles reported.

import DCLDiagnostics
import DCLSyntax

extension Checker {
    var currentFunctionKey: String? {
        get { functionKeyStack.last }
    }

    func checkDeclaration(_ d: Decl, in scope: Scope, index: Int) {
        switch d.kind {
        case .function(let fd):
            checkFunctionBody(fd, in: scope)
        case .model(let md):
            checkModelBody(md, in: scope)
        case .block(let bd):
            checkBlockBody(bd, in: scope)
        default:
            _ = valueDeclarationInfo(d, in: module, usedAt: d.name.span)
        }
    }

    // MARK: - Functions

    func checkFunctionBody(_ fd: FunctionDecl, in scope: Scope) {
        let key = "\(module.name).\(fd.name.name)"
        guard checkedBodies.insert(key).inserted else { return }
        let fscope = Scope(parent: scope, kind: .function(returns: fd.returnType.map { resolveType($0) }))
        defineParams(fd.params, in: fscope)
        functionKeyStack.append(key)
        checkBlock(fd.body, in: fscope)
        functionKeyStack.removeLast()
        if fd.returnType == nil, functionReturnTypes[key] == nil { functionReturnTypes[key] = DCLType.none }
    }

    func defineParams(_ params: [Param], in scope: Scope) {
        var seen: [String: SourceSpan] = [:]
        for p in params {
            if let first = seen[p.name.name] {
                diagnostics.emit(Diagnostic.error(.definedTwice, "parameter `\(p.name.name)` is declared twice", at: p.name.span)
                    .withLabel(first, "first declared here"))
            }
            seen[p.name.name] = p.name.span
            var t = p.type.map { resolveType($0) }
            if let dv = p.defaultValue {
                let dt = checkExpr(dv, in: scope)
                if let declared = t, !dt.isAssignable(to: declared) {
                    error(.wrongType, "the default of `\(p.name.name)` is \(dt), but the parameter is \(declared)", at: dv.span)
                }
                if t == nil { t = dt }
            }
            scope.define(Symbol(name: p.name.name, kind: .parameter, type: t ?? .any, span: p.name.span))
        }
    }

    // MARK: - Models and blocks

    func checkModelBody(_ md: ModelDecl, in scope: Scope) {
        let key = "\(module.name).\(md.name.name)"
        guard checkedBodies.insert(key).inserted else { return }
        let mscope = Scope(parent: scope, kind: .layerBody)
        defineParams(md.params ?? [], in: mscope)
        var inputs = 0
        var lastSection: SectionKind?
        var sectionSpans: [SectionKind: SourceSpan] = [:]
        let order = SectionKind.allCases
        for s in md.body.statements {
            switch s.kind {
            case .input(let name, let type):
                inputs += 1
                if lastSection != nil {
                    error(.shape, "inputs must come before the model's sections", at: name.span)
                }
                checkTensorType(type, in: mscope)
                if let existing = mscope.lookupLocal(name.name) {
                    diagnostics.emit(Diagnostic.error(.definedTwice, "`\(name.name)` is already defined in this model", at: name.span)
                        .withLabel(existing.span, "first defined here"))
                }
                mscope.define(Symbol(name: name.name, kind: .tensor, type: .tensor, span: name.span))
            case .section(let kind, let body, let kw):
                if let first = sectionSpans[kind] {
                    diagnostics.emit(Diagnostic.error(.sectionOrder, "the model already has a `\(kind.rawValue)` section", at: kw)
                        .withLabel(first, "first here"))
                } else if let last = lastSection, order.firstIndex(of: kind)! < order.firstIndex(of: last)! {
                    error(.sectionOrder, "`\(kind.rawValue)` must come before `\(last.rawValue)` (sections run stem, features, head)", at: kw)
                }
                sectionSpans[kind] = kw
                lastSection = kind
                // Names defined in a section stay visible to later sections (one dataflow).
                for st in body.statements {
                    if case .section(let k2, _, let kw2) = st.kind {
                        error(.sectionOrder, "sections cannot nest: `\(k2.rawValue)` inside `\(kind.rawValue)`", at: kw2)
                        continue
                    }
                    checkStatement(st, in: mscope, topLevel: false)
                }
            default:
                checkStatement(s, in: mscope, topLevel: false)
            }
        }
        if inputs == 0 {
            error(.noInput, "model `\(md.name.name)` declares no input", at: md.name.span,
                  hint: "add a line such as `input x: [1, 28, 28]`")
        }
    }

    func checkTensorType(_ t: TensorTypeExpr, in scope: Scope) {
        if let dt = t.dtype, dt.name != "f32", dt.name != "i32" {
            error(.unknownType, "unknown element type `\(dt.name)`", at: dt.span, hint: "use `f32` or `i32`")
        }
        for d in t.dims {
            let ty = checkExpr(d, in: scope)
            if ty != .int && ty != .list(.int) && ty != .any && ty != .list(.any) {
                error(.wrongType, "a dimension must be an int (or a list of ints), found \(ty)", at: d.span)
            }
        }
    }

    func checkBlockBody(_ bd: BlockDecl, in scope: Scope) {
        let key = "\(module.name).\(bd.name.name)"
        guard checkedBodies.insert(key).inserted else { return }
        let bscope = Scope(parent: scope, kind: .layerBody)
        defineParams(bd.params, in: bscope)
        for input in bd.inputs {
            if let existing = bscope.lookupLocal(input.name) {
                diagnostics.emit(Diagnostic.error(.definedTwice, "`\(input.name)` is both a parameter and an input", at: input.span)
                    .withLabel(existing.span, "parameter declared here"))
            }
            bscope.define(Symbol(name: input.name, kind: .tensor, type: .tensor, span: input.span))
        }
        if bd.inputs.isEmpty { error(.noInput, "block `\(bd.name.name)` takes no tensor input", at: bd.name.span) }
        for s in bd.body.statements {
            if case .input(let name, _) = s.kind {
                error(.shape, "a block's inputs are its second parameter list, not `input` lines", at: name.span)
                continue
            }
            if case .section(_, _, let kw) = s.kind {
                error(.shape, "sections belong to models, not blocks", at: kw)
                continue
            }
            checkStatement(s, in: bscope, topLevel: false)
        }
    }

    // MARK: - Pattern values (hoisted, checked once)

    /// Type and placement of a declaration's value, checking it on first request.
    func valueDeclarationInfo(_ d: Decl, in m: DCLModule, usedAt: SourceSpan) -> (DCLType, PlacementFacts)? {
        switch d.kind {
        case .function, .model, .block:
            return (declaredType(d), .unknown)
        default:
            break
        }
        let key = DeclarationRef(module: m.name, name: d.name.name)
        if let done = declarationTypes[key] { return done }
        if let i = declarationsInProgress.firstIndex(where: { $0.0 == key }) {
            let chain = declarationsInProgress[i...].map { $0.0.name }
            var diag = Diagnostic.error(.dependsOnItself, "`\(d.name.name)` depends on itself: \((chain + [d.name.name]).map { "`\($0)`" }.joined(separator: " → "))",
                                        at: usedAt)
            diag = diag.withLabel(d.name.span, "declared here")
            diagnostics.emit(diag)
            return nil
        }
        guard let scope = moduleScopeCache[m.name] else { return (declaredType(d), .unknown) }
        let saved = (module, currentItemIndex)
        module = m
        currentItemIndex = m.declarationIndex[d.name.name] ?? Int.max
        declarationsInProgress.append((key, d.name.span))
        let info = checkValueDeclaration(d, in: scope)
        declarationsInProgress.removeLast()
        (module, currentItemIndex) = saved
        declarationTypes[key] = info
        return info
    }

    private func checkValueDeclaration(_ d: Decl, in scope: Scope) -> (DCLType, PlacementFacts) {
        switch d.kind {
        case .data(_, let value):
            let t = checkExpr(value, in: scope)
            switch t {
            case .dataset, .clients, .record, .any: break
            default: error(.wrongType, "`data` declares a dataset, found \(t)", at: value.span)
            }
            return (t, placementFacts(of: value, in: scope))
        case .split(_, let value):
            let t = checkExpr(value, in: scope)
            if t != .split && t != .any {
                error(.wrongType, "`split` declares a vertical split, found \(t)", at: value.span,
                      hint: "split base = vertical(backbone, device_width: 1/8)")
            }
            return (.split, PlacementFacts(cloudOnly: true, origin: d.name.name))
        case .distill(let name, let teacher, let student, let options):
            let tt = checkExpr(teacher, in: scope)
            if !tt.isModelLike { error(.wrongType, "the teacher must be a model, found \(tt)", at: teacher.span) }
            let st = checkExpr(student, in: scope)
            if !st.isModelLike {
                error(.wrongType, "the student must be a model, found \(st)", at: student.span,
                      hint: st == .constructor ? "call the constructor, e.g. `mlp(shape: [1, 28, 28])`" : nil)
            }
            if let o = options {
                checkOptions(o, allowed: ["loss": .option, "temperature": .float], context: "distill", in: scope)
                checkDistillLoss(o, in: scope)
            }
            distillTeachers["\(module.name).\(name.name)"] = placementFacts(of: teacher, in: scope)
            return (.distill, .unknown)
        case .plugin(_, let value):
            let t = checkExpr(value, in: scope)
            if t != .plugin && t != .any {
                error(.wrongType, "`plugin` declares a plug-in, found \(t)", at: value.span,
                      hint: "plugin att = inter_image_attention(backbone, …) (import std.iciia)")
            }
            return (.plugin, .unknown)
        case .retrieval(_, let fields):
            checkRetrievalFields(fields, declSpan: d.name.span, in: scope)
            return (.retrieval, .unknown)
        case .role(let name, let count, let fields):
            if let c = count {
                let ct = checkExpr(c, in: scope)
                if ct != .int && ct != .any { error(.wrongType, "a device count must be an int, found \(ct)", at: c.span) }
                if case .int(let n) = c.kind, n <= 0 { error(.wrongType, "a role needs at least one device", at: c.span) }
            }
            checkRoleFields(fields, fleet: count != nil, roleName: name.name, in: scope)
            return (.role(fleet: count != nil), .unknown)
        case .bundle(_, let role, let fields):
            checkBundle(role: role, fields: fields, in: scope)
            return (.bundle, .unknown)
        case .param(let name, let type, let value):
            return (checkParam(name, type: type, value: value, keyword: d.keywordSpan, in: scope), .unknown)
        default:
            return (declaredType(d), .unknown)
        }
    }

    func checkDistillLoss(_ options: Expr, in scope: Scope) {
        guard case .record(let fields) = options.kind else { return }
        for f in fields where f.name.name == "loss" {
            var given: String?
            if case .name(let id) = f.value.kind { given = id.name }
            if case .string(let parts) = f.value.kind, parts.count == 1, case .text(let s) = parts[0] { given = s }
            if let g = given, g == "mse" || g == "kl" { continue }
            error(.notAChoice, "a distillation loss is `mse` (raw logits, the default) or `kl` (with `temperature`)", at: f.value.span)
        }
    }

    func checkRetrievalFields(_ fields: [Field], declSpan: SourceSpan, in scope: Scope) {
        let known: Set = ["coarse", "fine"]
        var seen = Set<String>()
        for f in fields {
            guard known.contains(f.name.name) else {
                let hint = closestName(to: f.name.name, among: known).map { "did you mean `\($0)`?" }
                error(.unknownOption, "a retrieval policy has no field `\(f.name.name)`", at: f.name.span, hint: hint ?? "fields: `coarse`, `fine`")
                continue
            }
            if !seen.insert(f.name.name).inserted { error(.fieldGivenTwice, "field `\(f.name.name)` is given twice", at: f.name.span) }
            guard case .expr(let e) = f.value else {
                error(.wrongType, "`\(f.name.name)` takes a value, not a block", at: f.name.span)
                continue
            }
            let t = checkExpr(e, in: scope)
            if t != .strategy && t != .any && !(f.name.name == "fine" && t == DCLType.none) {
                error(.wrongType, "`\(f.name.name)` must be a retrieval strategy such as \(f.name.name == "coarse" ? "`knn(…)`, `overlap(…)` or `random_users(…)`" : "`classifier(…)`, `greedy(…)` or `none`"), found \(t)",
                      at: e.span)
            }
        }
        if !seen.contains("coarse") { error(.argumentCount, "a retrieval policy needs a `coarse` strategy", at: declSpan) }
        checkGreedyHasModel(fields, in: scope)
    }

    /// `greedy` trial-trains a model per matched user: its own `model:`, or else the model a
    /// `knn` coarse strategy embeds users with. Without either the policy could only fail when
    /// it first filters, after everything before it has run.
    func checkGreedyHasModel(_ fields: [Field], in scope: Scope) {
        func strategyCall(_ name: String) -> (spec: BuiltinSpec, args: [Argument], span: SourceSpan)? {
            guard let f = fields.first(where: { $0.name.name == name }), case .expr(let e) = f.value,
                  case .call(let callee, let args) = e.kind, case .name(let id) = callee.kind,
                  let sym = scope.lookup(id.name), case .builtin(let spec) = sym.kind else { return nil }
            return (spec, args, e.span)
        }
        guard let fine = strategyCall("fine"), fine.spec.builtin == .pattern(.greedy) else { return }
        // `model` named, or given third positionally (`greedy(auc, 1, m)`).
        let positional = fine.args.prefix { $0.label == nil }.count
        if positional >= 3 || fine.args.contains(where: { $0.label?.name == "model" }) { return }
        // Only a built-in coarse strategy other than `knn` is known to embed no users.
        guard let coarse = strategyCall("coarse"), coarse.spec.builtin != .pattern(.knn) else { return }
        error(.builtinRule, "`greedy` needs a model to trial-train, and the coarse `\(coarse.spec.name)(…)` has none",
              at: fine.span, hint: "give it one, e.g. `greedy(metric: auc, model: m)`, or match users with `knn(model: m, …)`")
    }
}
