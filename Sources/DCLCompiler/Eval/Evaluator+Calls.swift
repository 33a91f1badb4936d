// Calls: user functions, built-ins (arguments bound and defaulted from the catalog), model and
// block constructors, and applying layers and models.

import DCLData
import DCLDiagnostics
import DCLSema
import DCLSyntax

/// An evaluated call argument.
public typealias EvaluatedArgument = (label: String?, value: Value, span: SourceSpan)

extension Evaluator {
    func evaluateArguments(_ args: [Argument], in env: Environment) throws -> [EvaluatedArgument] {
        try args.map { (label: $0.label?.name, value: try evaluate($0.value, in: env), span: $0.span) }
    }

    func evaluateCall(callee: Expr, arguments: [Argument], span: SourceSpan, in env: Environment) throws -> Value {
        // Option parameters take bare names (`metric: cosine`) that are not variables.
        if case .name(let id) = callee.kind, env.lookup(id.name) == nil, let spec = builtinNamed(id.name, in: env.module, as: .callee, node: callee.id) {
            return try callBuiltin(spec, try evaluateArguments(arguments, for: spec.params, in: env), subject: nil, span: span)
        }
        let f = try evaluate(callee, in: env)
        if case .function(.builtin(let spec)) = f {
            return try callBuiltin(spec, try evaluateArguments(arguments, for: spec.params, in: env), subject: nil, span: span)
        }
        if case .function(.method(let receiver, let spec)) = f {
            let args = try bindArguments(spec.params, try evaluateArguments(arguments, in: env), callee: spec.name, span: span)
            if checkMode { return .unknown }
            return try hooks.callMethod(receiver, spec.method, args, span: span, evaluator: self)
        }
        return try call(f, try evaluateArguments(arguments, in: env), span: span, calleeText: text(of: callee))
    }

    /// Evaluates arguments, reading bare names given to option parameters as the option itself.
    func evaluateArguments(_ args: [Argument], for params: [ParamSpec], in env: Environment) throws -> [EvaluatedArgument] {
        var positional = 0
        return try args.map { a in
            let p: ParamSpec?
            if let l = a.label { p = params.first { $0.name == l.name } } else { p = positional < params.count ? params[positional] : nil; positional += 1 }
            if let p = p, p.type == .option, case .name(let id) = a.value.kind, env.lookup(id.name) == nil {
                return (label: a.label?.name, value: .option(id.name), span: a.span)
            }
            return (label: a.label?.name, value: try evaluate(a.value, in: env), span: a.span)
        }
    }

    /// Calls any callable value. `calleeText` is read only for messages.
    func call(_ f: Value, _ args: [EvaluatedArgument], span: SourceSpan, calleeText: @autoclosure () -> String) throws -> Value {
        switch f {
        case .unknown: return .unknown
        case .function(let fv):
            switch fv {
            case .user(let fd, let m): return try callUser(fd, module: m, args, span: span)
            case .builtin(let spec): return try callBuiltin(spec, args, subject: nil, span: span)
            case .transform(let spec, let bound, _):
                guard args.count == 1, args[0].label == nil else {
                    throw RuntimeError(RuntimeCode.type, "`\(spec.name)` with its arguments applies to one dataset", at: span)
                }
                return try applyTransform(spec, bound, to: args[0].value, span: span)
            case .method(let receiver, let spec):
                if checkMode { return .unknown }
                return try hooks.callMethod(receiver, spec.method, try bindArguments(spec.params, args, callee: spec.name, span: span),
                                            span: span, evaluator: self)
            }
        case .constructor(let c):
            return try elaborator.construct(c, args, span: span)
        case .layer, .model, .split, .distill, .plugin:
            for a in args where a.label != nil {
                throw RuntimeError(RuntimeCode.type, "`\(calleeText())` takes tensors, not named arguments", at: a.span)
            }
            return try elaborator.apply(f, to: args.map(\.value), argumentSpans: args.map(\.span), span: span)
        default:
            throw RuntimeError(RuntimeCode.type, "`\(calleeText())` is a \(f.kindName), not something to call", at: span)
        }
    }

    func callUser(_ fd: FunctionDecl, module m: DCLModule, _ args: [EvaluatedArgument], span: SourceSpan) throws -> Value {
        callDepth += 1
        defer { callDepth -= 1 }
        guard callDepth <= maxCallDepth else {
            throw RuntimeError(RuntimeCode.limit, "calls nested deeper than \(maxCallDepth) (unbounded recursion in `\(fd.name.name)`?)", at: span)
        }
        try countCheckStep(at: span)
        guard StackGuard.interpreterHasRoom() else {
            throw RuntimeError(RuntimeCode.limit, "calls nested \(callDepth) deep, too deep for this thread's stack (unbounded recursion in `\(fd.name.name)`?)", at: span)
        }
        if let p = profiler { p.enter(fd.name.span, .function) }
        defer { if let p = profiler { p.leave() } }
        let env = Environment(parent: environment(of: m), module: m)
        for (name, value) in try bindUserArguments(fd.params, args, callee: "`\(fd.name.name)`", span: span, defaultsEnv: environment(of: m)) {
            env.define(name, value)
        }
        // Tensor work in a function called from a model body still builds that model, but its
        // bare expression lines are not layer lines.
        let wasSequential = elaborator.elaboration?.sequential
        elaborator.elaboration?.sequential = false
        defer { if let w = wasSequential { elaborator.elaboration?.sequential = w } }
        switch try inFrame("in `\(fd.name.name)`, called here", calledAt: span, { try executeBlock(fd.body, in: env) }) {
        case .returned(let v): return v
        default: return .none
        }
    }

    /// Binds user-function or constructor arguments, in the parameters' order; defaults are
    /// evaluated in `defaultsEnv`. (By position, not in a dictionary: every block application
    /// binds its arguments, and hashing each name three times showed in profiles.)
    func bindUserArguments(_ params: [Param], _ args: [EvaluatedArgument], callee: @autoclosure () -> String, span: SourceSpan,
                           defaultsEnv: Environment) throws -> [(name: String, value: Value)] {
        var given = [Value?](repeating: nil, count: params.count)
        var positional = 0
        for a in args {
            if let l = a.label {
                guard let i = params.firstIndex(where: { $0.name.name == l }) else {
                    throw RuntimeError(RuntimeCode.type, "\(callee()) has no parameter named `\(l)`", at: a.span)
                }
                if given[i] != nil { throw RuntimeError(RuntimeCode.type, "argument `\(l)` is given twice", at: a.span) }
                given[i] = a.value
            } else {
                guard positional < params.count else {
                    throw RuntimeError(RuntimeCode.type, "\(callee()) takes \(params.count) arguments, found more", at: a.span)
                }
                given[positional] = a.value
                positional += 1
            }
        }
        var out: [(name: String, value: Value)] = []
        out.reserveCapacity(params.count)
        for (i, p) in params.enumerated() {
            if let v = given[i] {
                out.append((p.name.name, v))
                continue
            }
            guard let d = p.defaultValue else {
                throw RuntimeError(RuntimeCode.type, "\(callee()) is missing argument `\(p.name.name)`", at: span)
            }
            out.append((p.name.name, try evaluate(d, in: defaultsEnv)))
        }
        return out
    }

    /// Matches arguments to a built-in's parameters and fills defaults from the catalog.
    public func bindArguments(_ params: [ParamSpec], _ args: [(label: String?, value: Value, span: SourceSpan)], callee: String,
                              span: SourceSpan) throws -> BoundArguments {
        var b = BoundArguments()
        b.reserve(params.count)
        // Which parameters are bound, by position: the defaults below then need no search by name.
        var given = PositionSet(count: params.count)
        var positional = 0
        for a in args {
            let index: Int
            if let l = a.label {
                guard let i = params.firstIndex(where: { $0.name == l }) else {
                    throw RuntimeError(RuntimeCode.type, "`\(callee)` has no parameter named `\(l)`", at: a.span)
                }
                index = i
            } else {
                guard positional < params.count else {
                    throw RuntimeError(RuntimeCode.type, "`\(callee)` takes \(params.count) argument\(params.count == 1 ? "" : "s"), found more", at: a.span)
                }
                index = positional
                positional += 1
            }
            let name = params[index].name
            if given.contains(index) { throw RuntimeError(RuntimeCode.type, "argument `\(name)` is given twice", at: a.span) }
            given.insert(index)
            b.append(name, value: a.value, span: a.span)
        }
        var deferred: [(String, String)] = []
        for (index, p) in params.enumerated() where !given.contains(index) {
            guard let d = p.defaultValue else {
                throw RuntimeError(RuntimeCode.type, "`\(callee)` is missing argument `\(p.name)`", at: span)
            }
            switch d {
            case .int(let v): b.append(p.name, value: .int(v), span: span)
            case .float(let v): b.append(p.name, value: .float(v), span: span)
            case .bool(let v): b.append(p.name, value: .bool(v), span: span)
            case .string(let s): b.append(p.name, value: p.type == .option ? .option(s) : .string(s), span: span)
            case .none: b.append(p.name, value: Value.none, span: span)
            case .intList(let xs): b.append(p.name, value: .list(xs.map { .int($0) }), span: span)
            case .sameAs(let other):
                b.append(p.name, value: nil, span: span)
                deferred.append((p.name, other))
            }
        }
        for (name, other) in deferred { b.set(name, value: b.value(of: other) ?? Value.none) }
        return b
    }

    /// Dispatches a built-in call. `subject` is the piped value (`x |> f(…)`), if any.
    public func callBuiltin(_ spec: BuiltinSpec, _ args: [EvaluatedArgument], subject: Value?, span: SourceSpan) throws -> Value {
        var args = args
        var subject = subject
        switch spec.builtin {
        case .layer(let layer):
            if let r = layer.reduction { return try reduction(r, spec, args, subject: subject, span: span) }
            if subject == nil, let first = args.first, first.label == nil {
                switch first.value {
                case .tensor, .layer:
                    subject = first.value
                    args.removeFirst()
                case .unknown where elaborator.elaboration != nil:
                    subject = first.value
                    args.removeFirst()
                default: break
                }
            }
            let bound = try bindArguments(spec.params, args, callee: spec.name, span: span)
            let call = BuiltinLayerCall(layer, spec: spec, arguments: bound)
            // Applied to a tensor in a model body (nearly every layer call): lowered straight away.
            if case .tensor(let x)? = subject, let y = try elaborator.lower(call, appliedTo: x, span: span) { return y }
            let value = Value.layer(LayerValue(.builtin(call), span: span))
            guard let s = subject else { return value }
            return try elaborator.apply(value, to: [s], argumentSpans: [span], span: span)
        case .transform:
            if subject == nil, let first = args.first, first.label == nil {
                switch first.value {
                case .dataset, .clients, .unknown:
                    subject = first.value
                    args.removeFirst()
                default: break
                }
            }
            let bound = try bindArguments(spec.params, args, callee: spec.name, span: span)
            guard let s = subject else { return .function(.transform(spec, bound, span: span)) }
            return try applyTransform(spec, bound, to: s, span: span)
        case .tensorOp, .loss, .script, .dataSource, .partitioner, .optimizer, .schedule, .model, .pattern, .output:
            if let s = subject { args.insert((label: nil, value: s, span: span), at: 0) }
            let bound = try bindArguments(spec.params, args, callee: spec.name, span: span)
            return try callPlainBuiltin(spec, bound, span: span)
        }
    }

    func applyTransform(_ spec: BuiltinSpec, _ bound: BoundArguments, to subject: Value, span: SourceSpan) throws -> Value {
        if subject.isUnknown || checkMode { return .unknown }
        var b = bound
        if spec.builtin == .transform(.partition), case .none = b["clients"], let n = currentRoleCount { b.set("clients", value: .int(n)) }
        return try hooks.callBuiltin(spec, b, subject: subject, span: span, evaluator: self)
    }

    /// Built-ins without an implicit subject.
    func callPlainBuiltin(_ spec: BuiltinSpec, _ args: BoundArguments, span: SourceSpan) throws -> Value {
        // Check mode: what depends on an unknown value is unknown.
        if spec.kind != .pattern, args.containsValue(where: { $0.containsUnknown }) { return .unknown }
        switch spec.builtin {
        case .script(let f):
            return try scriptBuiltin(f, args, span: span)
        case .tensorOp(let op):
            return try elaborator.tensorOp(op, spec, args, span: span)
        case .loss(let l):
            return try elaborator.loss(l, spec, args, span: span)
        case .partitioner(let p):
            return .partitioner(try partitioner(p, args, span: span))
        case .optimizer(let o):
            return .optimizer(try optimizer(o, args, span: span))
        case .schedule(let s):
            return .schedule(try schedule(s, args, span: span))
        case .pattern(let p):
            return try patternBuiltin(p, args, span: span)
        case .model(let m):
            if checkMode { return try elaborator.checkModeModelOp(m, args, span: span) }
            return try hooks.callBuiltin(spec, args, subject: nil, span: span, evaluator: self)
        case .dataSource, .output:
            if checkMode { return .unknown }
            return try hooks.callBuiltin(spec, args, subject: nil, span: span, evaluator: self)
        case .layer, .transform:
            return try callBuiltin(spec, args.values.map { (label: $0.key, value: $0.value, span: span) }, subject: nil, span: span)
        }
    }
}

extension Value {
    /// Whether this value is or holds (in a list or record) a value not known in check mode.
    /// Each shared list or record storage is visited once (ValueGraph.swift).
    public var containsUnknown: Bool {
        var seen = Set<UnsafeRawPointer>()
        return Value.containsUnknown(self, seen: &seen)
    }

    private static func containsUnknown(_ v: Value, seen: inout Set<UnsafeRawPointer>) -> Bool {
        switch v {
        case .unknown: return true
        case .list, .record:
            if let id = v.storageIdentity, !seen.insert(id).inserted { return false }
            for c in v.children where containsUnknown(c, seen: &seen) { return true }
            return false
        default: return false
        }
    }
}
