// The values of declarations, evaluated once on first use (order-free), with cycles reported.

import DCLData
import DCLDiagnostics
import DCLSema
import DCLSyntax

extension Evaluator {
    public func declarationValue(_ d: Decl, in m: DCLModule, span: SourceSpan) throws -> Value {
        switch d.kind {
        case .function(let fd):
            return .function(.user(fd, m))
        case .block(let bd):
            return .constructor(ConstructorRef(module: m, block: bd))
        case .model(let md) where md.params != nil:
            return .constructor(ConstructorRef(module: m, model: md))
        default:
            break
        }
        let key = DeclarationKey(module: m.name, name: d.name.name)
        if let v = declarationValues[key] { return v }
        if let i = declarationsInProgress.firstIndex(of: key) {
            let chain = (declarationsInProgress[i...] + [key]).map { "`\($0.name)`" }.joined(separator: " → ")
            throw RuntimeError(RuntimeCode.name, "`\(d.name.name)` depends on itself: \(chain)", at: span)
        }
        declarationsInProgress.append(key)
        defer { declarationsInProgress.removeLast() }
        if let p = profiler { p.enter(d.name.span, .declaration) }
        defer { if let p = profiler { p.leave() } }
        let env = environment(of: m)
        let v: Value
        switch d.kind {
        case .model(let md):
            // A model without parameters is one instance, made on first use.
            v = try elaborator.construct(ConstructorRef(module: m, model: md), [], span: md.name.span)
        case .data(_, let e):
            v = try evaluate(e, in: env)
        case .split(let name, let e):
            v = try named(try evaluate(e, in: env), name.name)
        case .distill(let name, let teacher, let student, let options):
            v = try distillation(name: name.name, teacher: teacher, student: student, options: options, in: env)
        case .plugin(let name, let e):
            v = try named(try evaluate(e, in: env), name.name)
        case .retrieval(let name, let fields):
            v = try retrieval(name: name.name, fields: fields, in: env)
        case .role(let name, let count, let fields):
            v = try role(name: name.name, count: count, fields: fields, span: d.name.span, in: env)
        case .bundle(let name, let roleName, let fields):
            v = try bundle(name: name.name, roleName: roleName, fields: fields, span: d.name.span, in: env)
        case .param(let name, let type, let value):
            v = try paramValue(name.name, type: type, value: value, in: m, env: env)
        case .function, .block:
            fatalError("handled above")
        }
        declarationValues[key] = v
        return v
    }

    /// A script parameter: its `--set` value in the script being run, else its default (a
    /// constant, as the checker requires). An int given for a float param becomes a float, so
    /// `param lr: float = 1` prints `1.0` whether the 1 came from the script or the command line.
    private func paramValue(_ name: String, type: TypeExpr, value: Expr, in m: DCLModule, env: Environment) throws -> Value {
        let v: Value
        if m === program.main, let given = paramValues[name] {
            switch given {
            case .int(let i): v = .int(i)
            case .float(let x): v = .float(x)
            case .bool(let b): v = .bool(b)
            case .string(let s): v = .string(s)
            }
        } else {
            v = try evaluate(value, in: env)
        }
        if ScriptParamType(type) == .float, case .int(let i) = v { return .float(Double(i)) }
        return v
    }

    /// Gives a pattern value the name it was declared with.
    private func named(_ v: Value, _ name: String) throws -> Value {
        switch v {
        case .split(let s):
            s.cloud.rename("\(name).cloud")
            s.device.rename("\(name).device")
            return .split(SplitValue(name: name, cloud: s.cloud, device: s.device, fuse: s.fuse, deviceWidth: s.deviceWidth))
        case .plugin(let p):
            p.module.rename("\(name).module")
            return .plugin(PluginValue(name: name, backbone: p.backbone, module: p.module, attachPoint: p.attachPoint,
                                       memory: p.memory, minMemory: p.minMemory))
        default:
            return v
        }
    }

    private func distillation(name: String, teacher: Expr, student: Expr, options: Expr?, in env: Environment) throws -> Value {
        let t = try evaluate(teacher, in: env), s = try evaluate(student, in: env)
        if t.isUnknown || s.isUnknown { return .unknown }
        guard let tm = try asModel(t, span: teacher.span) else {
            throw RuntimeError(RuntimeCode.type, "the teacher must be a model, found \(t.kindName)", at: teacher.span)
        }
        guard case .model(let sm) = s else {
            throw RuntimeError(RuntimeCode.type, "the student must be a model instance, found \(s.kindName)", at: student.span)
        }
        guard tm.inputSignature == sm.inputSignature else {
            throw RuntimeError(RuntimeCode.shape, "the student's inputs \(sm.inputDescription) differ from the teacher's \(tm.inputDescription)",
                               at: student.span)
        }
        guard tm.outputShape == sm.outputShape else {
            throw RuntimeError(RuntimeCode.shape, "the student's output \(sm.outputDescription) differs from the teacher's \(tm.outputDescription)",
                               at: student.span)
        }
        var loss = DistillLoss.mse, temperature = 1.0
        if let o = options, case .record(let r) = try evaluate(o, in: env) {
            for (k, v) in r.fields {
                switch k {
                case "loss":
                    let name: String
                    switch v {
                    case .function(let f): name = f.name
                    case .option(let s), .string(let s): name = s
                    default: name = v.kindName
                    }
                    guard let l = DistillLoss(rawValue: name) else {
                        throw RuntimeError(RuntimeCode.value, "a distillation loss is `mse` or `kl`", at: o.span)
                    }
                    loss = l
                case "temperature":
                    temperature = try double(v, "temperature", span: o.span)
                    guard temperature > 0 else { throw RuntimeError(RuntimeCode.value, "`temperature` must be positive", at: o.span) }
                default:
                    throw RuntimeError(RuntimeCode.type, "`distill` has no option `\(k)`", at: o.span)
                }
            }
        }
        sm.rename(name)
        return .distill(DistillValue(name: name, teacher: tm, student: sm, loss: loss, temperature: temperature))
    }

    private func retrieval(name: String, fields: [Field], in env: Environment) throws -> Value {
        var coarse: StrategySpec?, fine: StrategySpec?
        for f in fields {
            guard case .expr(let e) = f.value else { continue }
            let v = try evaluate(e, in: env)
            if v.isUnknown { return .unknown }
            switch (f.name.name, v) {
            case ("coarse", .strategy(let s)): coarse = s
            case ("fine", .strategy(let s)): fine = s
            case ("fine", .none): fine = nil
            default:
                throw RuntimeError(RuntimeCode.type, "`\(f.name.name)` must be a retrieval strategy, found \(v.kindName)", at: e.span)
            }
        }
        guard let c = coarse else { throw RuntimeError(RuntimeCode.type, "retrieval `\(name)` has no `coarse` strategy", at: .none) }
        return .retrieval(RetrievalValue(name: name, coarse: c, fine: fine))
    }

    private func role(name: String, count: Expr?, fields: [Field], span: SourceSpan, in env: Environment) throws -> Value {
        var n: Int?
        if let c = count { n = try positiveInt(try evaluate(c, in: env), "device count", span: c.span) }
        let side: RuntimeSide = n == nil ? .cloud : .device
        var record = Record()
        var budget: Budget?
        var round: RoundTolerance?
        let saved = currentRoleCount
        currentRoleCount = n
        defer { currentRoleCount = saved }
        for f in fields {
            switch f.value {
            case .nested(let inner) where f.name.name == "round":
                round = try evaluateRound(inner, in: env)
            case .nested(let inner):
                budget = try evaluateBudget(inner, span: f.span, in: env)
            case .expr(let e):
                let origin = "\(name).\(f.name.name)"
                record[f.name.name] = try placed(try evaluate(e, in: env), side: side, origin: origin, span: e.span)
            }
        }
        if let n = n, case .clients(let c)? = record["data"] {
            guard c.federated.count == n else {
                throw RuntimeError(RuntimeCode.data, "role `\(name)` declares \(n) devices but its data has \(c.federated.count) clients",
                                   at: span, hint: "leave `clients:` out of `partition` to use the role's count")
            }
            record["data"] = .clients(ClientsValue(c.federated, part: c.part, side: c.side, origin: c.origin, role: name, tolerance: round))
        }
        return .role(RoleValue(name: name, count: n, fields: record, budget: budget, round: round, span: span))
    }

    /// Tags data with the side of the role that holds it; device data may not enter the cloud.
    func placed(_ v: Value, side: RuntimeSide, origin: String, span: SourceSpan) throws -> Value {
        switch v {
        case .dataset(let d):
            if side == .cloud, d.side == .device {
                throw RuntimeError(RuntimeCode.deviceSamplesToCloud, "device samples (`\(d.origin)`) would flow to the cloud in `\(origin)`", at: span)
            }
            return .dataset(DataValue(d.dataset, side: side, origin: origin))
        case .clients(let c):
            if side == .cloud, c.side == .device {
                throw RuntimeError(RuntimeCode.deviceSamplesToCloud, "device samples (`\(c.origin)`) would flow to the cloud in `\(origin)`", at: span)
            }
            return .clients(ClientsValue(c.federated, part: c.part, side: side, origin: origin))
        case .record(let r):
            var out = Record()
            for (k, x) in r.fields { out[k] = try placed(x, side: side, origin: "\(origin).\(k)", span: span) }
            return .record(out)
        default:
            return v
        }
    }

    private func evaluateRound(_ fields: [Field], in env: Environment) throws -> RoundTolerance {
        var r = RoundTolerance()
        for f in fields {
            guard case .expr(let e) = f.value else { continue }
            let v = try evaluate(e, in: env)
            if case .unknown = v { continue }
            let x = try double(v, "round `\(f.name.name)`", span: e.span)
            guard x.isFinite else { throw RuntimeError(RuntimeCode.value, "round `\(f.name.name)` must be finite", at: e.span) }
            switch f.name.name {
            case "min_responses":
                guard x > 0, x <= 1 else { throw RuntimeError(RuntimeCode.value, "round `min_responses` is a fraction in (0, 1], found \(x)", at: e.span) }
                r.minResponses = x
            case "timeout":
                guard x > 0 else { throw RuntimeError(RuntimeCode.value, "round `timeout` must be positive", at: e.span) }
                r.timeout = x
            default: throw RuntimeError(RuntimeCode.type, "a round has no field `\(f.name.name)`", at: f.name.span)
            }
        }
        return r
    }

    private func evaluateBudget(_ fields: [Field], span: SourceSpan, in env: Environment) throws -> Budget {
        var b = Budget(span: span)
        for f in fields {
            guard case .expr(let e) = f.value else { continue }
            let v = try evaluate(e, in: env)
            let n: Int
            switch v {
            case .int(let i), .bytes(let i): n = i
            case .unknown: continue
            default: throw RuntimeError(RuntimeCode.type, "budget `\(f.name.name)` must be a size, found \(v.kindName)", at: e.span)
            }
            switch f.name.name {
            case "params": b.params = n
            case "flops": b.flops = n
            case "memory": b.memory = n
            case "storage": b.storage = n
            default: throw RuntimeError(RuntimeCode.type, "unknown budget field `\(f.name.name)`", at: f.name.span)
            }
        }
        return b
    }

    private func bundle(name: String, roleName: Identifier, fields: [Field], span: SourceSpan, in env: Environment) throws -> Value {
        let rv = try lookup(roleName.name, in: env, span: roleName.span)
        guard case .role(let role) = rv else {
            if rv.isUnknown { return .unknown }
            throw RuntimeError(RuntimeCode.type, "a bundle is `for` a role, found \(rv.kindName)", at: roleName.span)
        }
        var models: [(String, Value)] = [], exports: [String] = ["onnx"], quantize = "none"
        var index: RetrievalValue?
        for f in fields {
            guard case .expr(let e) = f.value else { continue }
            switch f.name.name {
            case "models":
                guard case .list(let items) = e.kind else {
                    throw RuntimeError(RuntimeCode.type, "`models` must be a list written out, e.g. `[a, b]`", at: e.span)
                }
                for item in items { models.append((text(of: item), try evaluate(item, in: env))) }
            case "export":
                let names: [Expr]
                if case .list(let xs) = e.kind { names = xs } else { names = [e] }
                exports = names.map { text(of: $0) }
            case "quantize":
                quantize = text(of: e).trimmingCharacters(in: ["\""])
            case "index":
                let iv = try evaluate(e, in: env)
                if iv.isUnknown { continue }  // check mode: the policy's data is not loaded
                guard case .retrieval(let r) = iv else {
                    throw RuntimeError(RuntimeCode.type, "`index` must be a retrieval policy", at: e.span)
                }
                index = r
            default:
                throw RuntimeError(RuntimeCode.type, "a bundle has no field `\(f.name.name)`", at: f.name.span)
            }
        }
        return .bundle(BundleValue(name: name, role: role, models: models, exports: exports, quantize: quantize, index: index, span: span))
    }
}
