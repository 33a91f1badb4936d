// Executing statements.

import DCLDiagnostics
import DCLSema
import DCLSyntax

extension Evaluator {
    func executeBlock(_ block: Block, in env: Environment) throws -> Flow {
        for s in block.statements {
            let flow = try execute(s, in: env)
            if case .normal = flow { continue }
            return flow
        }
        return .normal
    }

    func execute(_ s: Stmt, in env: Environment) throws -> Flow {
        // Check mode records which graph nodes each statement of a model body added, so tools
        // can show the shape after each line (`ModelInstance.statementNodes`).
        guard checkMode, let ctx = elaborator.elaboration else { return try executeStatement(s, in: env) }
        let first = ctx.builder.graph.nodes.count
        let flow = try executeStatement(s, in: env)
        ctx.statementNodes.append(StatementNodes(span: s.span, nodes: first..<ctx.builder.graph.nodes.count))
        return flow
    }

    private func executeStatement(_ s: Stmt, in env: Environment) throws -> Flow {
        switch s.kind {
        case .importDecl, .decl, .error:
            return .normal
        case .binding(let name, _, let value, let mutable):
            env.define(name.name, try evaluate(value, in: env), mutable: mutable)
            return .normal
        case .assign(let target, let op, let value):
            try assign(target, op, try evaluate(value, in: env), span: s.span, in: env)
            return .normal
        case .ifStmt(let branches, let elseBody):
            for b in branches where try truth(try evaluate(b.condition, in: env), span: b.condition.span) {
                return try executeBlock(b.body, in: Environment(parent: env, module: env.module))
            }
            if let e = elseBody { return try executeBlock(e, in: Environment(parent: env, module: env.module)) }
            return .normal
        case .forStmt(let vars, let sequence, let body):
            let seq = try evaluate(sequence, in: env)
            // A range is counted, not materialised: `for i in 0..1_000_000_000` starts at once,
            // in constant memory, and Ctrl-C can stop it at any iteration.
            let items: AnySequence<Value>
            if case .range(let lo, let hi) = seq {
                items = AnySequence((lo..<max(lo, hi)).lazy.map { Value.int($0) })
            } else {
                items = AnySequence(try iterate(seq, span: sequence.span))
            }
            for (i, item) in items.enumerated() {
                if shouldInterrupt() { throw Interrupted() }
                try countCheckStep(at: sequence.span)
                let inner = Environment(parent: env, module: env.module)
                if vars.count == 2 {
                    inner.define(vars[0].name, .int(i))
                    inner.define(vars[1].name, item)
                } else {
                    inner.define(vars[0].name, item)
                }
                switch try executeBlock(body, in: inner) {
                case .breakLoop: return .normal
                case .returned(let v): return .returned(v)
                case .normal, .continueLoop: continue
                }
            }
            return .normal
        case .whileStmt(let condition, let body):
            if checkMode, case .unknown = try evaluate(condition, in: env) {
                // Check mode: one pass over the body, never an endless loop.
                _ = try executeBlock(body, in: Environment(parent: env, module: env.module))
                return .normal
            }
            while try truth(try evaluate(condition, in: env), span: condition.span) {
                if shouldInterrupt() { throw Interrupted() }
                try countCheckStep(at: condition.span)
                switch try executeBlock(body, in: Environment(parent: env, module: env.module)) {
                case .breakLoop: return .normal
                case .returned(let v): return .returned(v)
                case .normal, .continueLoop: continue
                }
            }
            return .normal
        case .returnStmt(let value):
            return .returned(try value.map { try evaluate($0, in: env) } ?? .none)
        case .breakStmt:
            return .breakLoop
        case .continueStmt:
            return .continueLoop
        case .printStmt(let values):
            var shown: [Value] = [], parts: [String] = []
            for e in values {
                let v = try evaluate(e, in: env)
                shown.append(v)
                parts.append(try displayChecked(v, span: e.span))
            }
            if !checkMode {
                let line = parts.joined(separator: " ")
                runObserver?.printed(shown, line: line)
                hooks.emit(line)
            }
            return .normal
        case .train(let t):
            try executeTrain(t, span: s.span, in: env)
            return .normal
        case .distillRun(let name, let data, let options):
            let d = try evaluate(name, in: env)
            guard case .distill(let dv) = d else {
                if d.isUnknown { return .normal }
                throw RuntimeError(RuntimeCode.type, "`distill … on` needs a distillation, found \(d.kindName)", at: name.span)
            }
            let dataValue = try evaluate(data, in: env)
            let opts = try trainOptions(options, in: env, span: s.span)
            if !checkMode { try hooks.distill(dv, data: dataValue, options: opts, span: s.span, evaluator: self) }
            return .normal
        case .save(let subject, let path):
            let m = try evaluate(subject, in: env)
            let p = try string(try evaluate(path, in: env), "the path to save to", span: path.span)
            if !checkMode { try hooks.save(m, to: resolvePath(p), span: s.span) }
            return .normal
        case .load(let subject, let path):
            let m = try evaluate(subject, in: env)
            let p = try string(try evaluate(path, in: env), "a weights path", span: path.span)
            if !checkMode { try hooks.load(m, from: resolvePath(p), span: s.span) }
            return .normal
        case .input, .section:
            throw RuntimeError(RuntimeCode.type, "model body syntax outside a model", at: s.span)
        case .expr(let e):
            let v = try evaluate(e, in: env)
            if let el = elaborator.elaboration, el.sequential {
                // Sequential form: a layer line applies to the current value; a tensor line
                // becomes the current value.
                switch v {
                case .tensor: el.current = v
                case .layer, .model:
                    guard let cur = el.current else {
                        throw RuntimeError(RuntimeCode.shape, "this layer has no input: the model has no `input` before it", at: e.span)
                    }
                    el.current = try elaborator.apply(v, to: [cur], argumentSpans: [e.span], span: e.span)
                case .unknown: el.current = .unknown
                default:
                    throw RuntimeError(RuntimeCode.type, "a line of a model body must be a layer or a tensor, found \(v.kindName)", at: e.span)
                }
            }
            return .normal
        }
    }

    func assign(_ target: Expr, _ op: AssignOp, _ value: Value, span: SourceSpan, in env: Environment) throws {
        switch target.kind {
        case .name(let id):
            var v = value
            if op != .assign {
                let current = try lookup(id.name, in: env, span: id.span)
                let bop: BinaryOp = op == .add ? .add : op == .subtract ? .subtract : op == .multiply ? .multiply : .divide
                v = try binary(bop, current, value, span: span, lhsSpan: id.span, rhsSpan: span)
            }
            if elaborator.elaboration != nil, env.lookup(id.name) == nil || isTensor(env.lookup(id.name)) || isTensor(v) {
                // Model bodies: `h = …` names a tensor; it becomes the current value.
                env.rebind(id.name, v)
                if case .tensor = v { elaborator.elaboration?.current = v }
                return
            }
            guard env.assign(id.name, v) else {
                throw RuntimeError(RuntimeCode.type, "cannot assign to `\(id.name)`: it is not a `var`", at: id.span)
            }
        case .index(let base, let indexExpr):
            guard case .name(let id) = base.kind, case .list(var xs)? = env.lookup(id.name) else {
                throw RuntimeError(RuntimeCode.type, "only elements of a `var` list can be assigned", at: target.span)
            }
            guard case .int(var i) = try evaluate(indexExpr, in: env) else {
                throw RuntimeError(RuntimeCode.type, "a list index must be an int", at: indexExpr.span)
            }
            if i < 0 { i += xs.count }
            guard i >= 0 && i < xs.count else {
                throw RuntimeError(RuntimeCode.value, "index \(i) is out of range for \(xs.count) elements", at: indexExpr.span)
            }
            var v = value
            if op != .assign {
                let bop: BinaryOp = op == .add ? .add : op == .subtract ? .subtract : op == .multiply ? .multiply : .divide
                v = try binary(bop, xs[i], value, span: span, lhsSpan: target.span, rhsSpan: span)
            }
            xs[i] = v
            guard env.assign(id.name, .list(xs)) else {
                throw RuntimeError(RuntimeCode.type, "cannot assign into `\(id.name)`: it is not a `var`", at: id.span)
            }
        default:
            throw RuntimeError(RuntimeCode.type, "cannot assign to this expression", at: target.span)
        }
    }

    private func isTensor(_ v: Value?) -> Bool {
        if case .tensor? = v { return true }
        return false
    }

    func executeTrain(_ t: TrainStmt, span: SourceSpan, in env: Environment) throws {
        let targets = try t.targets.map { try evaluate($0, in: env) }
        let data = try evaluate(t.data, in: env)
        let opts = try trainOptions(t.options, in: env, span: span)
        if checkMode { return }
        let request = TrainRequest(targets: targets, targetTexts: t.targets.map { text(of: $0) }, data: data,
                                   objective: t.objective.map { WrittenObjective(expression: $0, environment: env) },
                                   options: opts, span: span)
        try hooks.train(request, evaluator: self)
    }

    /// Evaluates a `{ epochs: …, batch: … }` options record into `TrainOptions`.
    func trainOptions(_ e: Expr?, in env: Environment, span: SourceSpan) throws -> TrainOptions {
        var o = TrainOptions()
        o.span = span
        guard let e = e else { return o }
        let fields: [(key: String, value: Value, span: SourceSpan)]
        if case .record(let written) = e.kind {
            // Written out: a bare name given to an option with named choices (`log: epoch`) is
            // the choice, unless the program binds that name (as the checker reads it).
            fields = try written.map { f in
                if ["log", "keep"].contains(f.name.name), let choice = bareChoice(f.value, in: env) {
                    return (f.name.name, Value.option(choice), f.value.span)
                }
                if f.name.name == "early_stop", case .record(let inner) = f.value.kind {
                    var r = Record()
                    for g in inner {
                        if g.name.name == "metric", let choice = bareChoice(g.value, in: env) { r[g.name.name] = .option(choice); continue }
                        r[g.name.name] = try evaluate(g.value, in: env)
                    }
                    return (f.name.name, .record(r), f.value.span)
                }
                return (f.name.name, try evaluate(f.value, in: env), f.value.span)
            }
        } else {
            guard case .record(let r) = try evaluate(e, in: env) else {
                throw RuntimeError(RuntimeCode.type, "options must be a record such as `{ epochs: 3 }`", at: e.span)
            }
            fields = r.fields.map { (key: $0.0, value: $0.1, span: e.span) }
        }
        var every: (Int, SourceSpan)?, earlyStop: (EarlyStop, SourceSpan)?, keep: (KeepWeights, SourceSpan)?
        // Given, though perhaps unknown (check mode elaborates without data).
        var validateGiven = false
        for (k, v, vspan) in fields {
            if k == "validate" { validateGiven = true }
            if v.isUnknown { continue }
            switch k {
            case "epochs": o.epochs = try positiveInt(v, "epochs", span: e.span)
            case "batch": o.batch = try positiveInt(v, "batch", span: e.span)
            case "steps": o.steps = try positiveInt(v, "steps", span: e.span)
            case "seed": o.seed = try int(v, "seed", span: e.span)
            case "shuffle": o.shuffle = try truth(v, span: e.span)
            case "clip":
                let c = try double(v, "clip", span: e.span)
                guard c > 0 else { throw RuntimeError(RuntimeCode.value, "`clip` must be positive", at: e.span) }
                o.clip = c
            case "log":
                o.log = TrainLog(rawValue: try option(v, "log", choices: TrainLog.allCases.map(\.rawValue), span: e.span))!
            case "optimizer":
                guard case .optimizer(let opt) = v else { throw RuntimeError(RuntimeCode.type, "`optimizer` must be sgd(…), adam(…) or adamw(…)", at: e.span) }
                o.optimizer = opt
            case "schedule":
                guard case .schedule(let sch) = v else { throw RuntimeError(RuntimeCode.type, "`schedule` must be a schedule such as cosine()", at: e.span) }
                o.schedule = sch
            case "validate":
                switch v {
                case .dataset, .clients, .client: o.validation = ValidationOptions(data: v)
                default:
                    throw RuntimeError(RuntimeCode.type, "`validate` needs a dataset, a client or clients, found \(v.kindName)", at: vspan)
                }
            case "every": every = (try positiveInt(v, "every", span: vspan), vspan)
            case "early_stop": earlyStop = (try earlyStopOption(v, span: vspan), vspan)
            case "keep": keep = (KeepWeights(rawValue: try option(v, "keep", choices: KeepWeights.allCases.map(\.rawValue), span: vspan))!, vspan)
            default:
                throw RuntimeError(RuntimeCode.type, "unknown option `\(k)`", at: e.span)
            }
        }
        // `every`, `early_stop` and `keep: best` describe validation: without `validate:` there
        // is nothing to measure them by.
        for (name, given) in [("every", every?.1), ("early_stop", earlyStop?.1), ("keep", keep?.0 == .best ? keep?.1 : nil)] {
            guard let at = given, !validateGiven else { continue }
            throw RuntimeError(RuntimeCode.value, "`\(name)` needs validation data: add `validate: DATA` to the options", at: at,
                               hint: "e.g. `validate: data.test`")
        }
        if o.validation != nil {
            if let (n, _) = every { o.validation!.every = n }
            o.validation!.earlyStop = earlyStop?.0
            o.validation!.keepBest = keep?.0 == .best
        }
        return o
    }

    /// A bare name written for a named choice (`keep: best`), unless the program binds it.
    private func bareChoice(_ e: Expr, in env: Environment) -> String? {
        if case .name(let id) = e.kind, env.lookup(id.name) == nil { return id.name }
        return nil
    }

    /// `early_stop: { metric: accuracy, patience: 3, min_delta: 0.001 }` (every field optional).
    private func earlyStopOption(_ v: Value, span: SourceSpan) throws -> EarlyStop {
        guard case .record(let r) = v else {
            throw RuntimeError(RuntimeCode.type, "`early_stop` must be a record such as `{ metric: accuracy, patience: 3 }`, found \(v.kindName)", at: span)
        }
        var stop = EarlyStop()
        for (k, fv) in r.fields {
            switch k {
            case "metric":
                stop.metric = try option(fv, "metric", choices: ValidationMetric.names, span: span)
            case "patience":
                stop.patience = try positiveInt(fv, "patience", span: span)
            case "min_delta":
                let d = try double(fv, "min_delta", span: span)
                guard d >= 0 else { throw RuntimeError(RuntimeCode.value, "`min_delta` must not be negative, found \(d)", at: span) }
                stop.minDelta = d
            default:
                throw RuntimeError(RuntimeCode.type, "`early_stop` has no field `\(k)`: its fields are `metric`, `patience`, `min_delta`", at: span)
            }
        }
        return stop
    }

    /// Resolves a path relative to the main script's directory.
    public func resolvePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let dir = program.main.directory
        return dir.isEmpty ? path : (dir.hasSuffix("/") ? dir + path : dir + "/" + path)
    }
}
