// Evaluating expressions.

import DCLDiagnostics
import DCLSema
import DCLSyntax

extension Evaluator {
    public func evaluate(_ e: Expr, in env: Environment) throws -> Value {
        switch e.kind {
        case .int(let v):
            guard let i = Int(exactly: v) else { throw RuntimeError(RuntimeCode.value, "integer out of range", at: e.span) }
            return .int(i)
        case .float(let v, _): return .float(v)
        case .size(let lit) where lit.kind == .duration:
            // Seconds, as a float (`250ms` is 0.25).
            return .float(lit.value)
        case .size(let lit):
            guard lit.value.rounded() == lit.value, abs(lit.value) < 9.0e18 else {
                throw RuntimeError(RuntimeCode.value, "size `\(lit.mantissa)\(lit.suffix)` is not a whole number", at: e.span)
            }
            return lit.kind == .bytes ? .bytes(Int(lit.value)) : .int(Int(lit.value))
        case .bool(let b): return .bool(b)
        case .none: return .none
        case .error: throw RuntimeError(RuntimeCode.type, "this expression did not parse", at: e.span)
        case .paren(let inner): return try evaluate(inner, in: env)
        case .string(let parts):
            var out = ""
            for part in parts {
                switch part {
                case .text(let s): out += s
                case .interpolation(let inner, let spec):
                    let v = try evaluate(inner, in: env)
                    out += try format(v, spec: spec, span: inner.span)
                }
                try checkStringLength(out.utf8.count, at: e.span)
            }
            return .string(out)
        case .name(let id):
            return try lookup(id.name, in: env, span: id.span, node: e.id)
        case .list(let items):
            return .list(try items.map { item in
                let v = try evaluate(item, in: env)
                try checkNesting(of: v, at: item.span)
                return v
            })
        case .comprehension(let element, let variable, let sequence, let condition):
            let seq = try evaluate(sequence, in: env)
            var out: [Value] = []
            // Compile mode (hooks that give unknown results): a filter on an unknown value
            // leaves it unknown which elements the list holds, so the list is unknown — not a
            // list that silently dropped them (`mean` of it would then fail). Check mode takes
            // the branch instead, so the element is elaborated too.
            var membershipUnknown = false
            for item in try iterate(seq, span: sequence.span) {
                if shouldInterrupt() { throw Interrupted() }
                try countCheckStep(at: sequence.span)
                try checkListLength(out.count + 1, at: e.span)
                let inner = Environment(parent: env, module: env.module)
                inner.define(variable.name, item)
                if let c = condition {
                    let kept = try evaluate(c, in: inner)
                    if case .unknown = kept, !checkMode {
                        membershipUnknown = true
                        continue
                    }
                    if try !truth(kept, span: c.span) { continue }
                }
                let v = try evaluate(element, in: inner)
                try checkNesting(of: v, at: element.span)
                out.append(v)
            }
            return membershipUnknown ? .unknown : .list(out)
        case .record(let fields):
            var r = Record()
            for f in fields {
                let v = try evaluate(f.value, in: env)
                try checkNesting(of: v, at: f.value.span)
                r[f.name.name] = v
            }
            return .record(r)
        case .call(let callee, let args):
            return try evaluateCall(callee: callee, arguments: args, span: e.span, in: env)
        case .member(let base, let name):
            let b = try evaluate(base, in: env)
            return try member(b, name.name, span: name.span, baseText: text(of: base))
        case .index(let base, let index):
            return try subscriptValue(try evaluate(base, in: env), try evaluate(index, in: env), span: e.span)
        case .unary(let op, let operand):
            let v = try evaluate(operand, in: env)
            return try unary(op, v, span: e.span)
        case .binary(let op, let lhs, let rhs):
            switch op {
            case .and:
                guard try truth(try evaluate(lhs, in: env), span: lhs.span) else { return .bool(false) }
                return .bool(try truth(try evaluate(rhs, in: env), span: rhs.span))
            case .or:
                if try truth(try evaluate(lhs, in: env), span: lhs.span) { return .bool(true) }
                return .bool(try truth(try evaluate(rhs, in: env), span: rhs.span))
            case .pipe:
                return try evaluatePipe(lhs, rhs, span: e.span, in: env)
            default:
                let a = try evaluate(lhs, in: env), b = try evaluate(rhs, in: env)
                return try binary(op, a, b, span: e.span, lhsSpan: lhs.span, rhsSpan: rhs.span)
            }
        case .ifElse(let c, let a, let b):
            return try truth(try evaluate(c, in: env), span: c.span) ? try evaluate(a, in: env) : try evaluate(b, in: env)
        }
    }

    func truth(_ v: Value, span: SourceSpan) throws -> Bool {
        switch v {
        case .bool(let b): return b
        // Check mode takes the branch, so the code under it is elaborated too.
        case .unknown: return checkMode
        default: throw RuntimeError(RuntimeCode.type, "expected a bool, found \(v.kindName)", at: span)
        }
    }

    /// The elements a `for` loop visits.
    func iterate(_ v: Value, span: SourceSpan) throws -> [Value] {
        switch v {
        case .list(let xs): return xs
        case .range(let lo, let hi):
            guard lo < hi else { return [] }
            // Materialised (a comprehension, `len`-free uses): bounded like any list. `for`
            // loops count through ranges without this.
            let (n, o) = hi.subtractingReportingOverflow(lo)
            try checkListLength(o ? .max : n, at: span)
            return (lo..<hi).map { .int($0) }
        case .string(let s): return s.map { .string(String($0)) }
        case .clients(let c): return c.federated.clients.enumerated().map { i, data in
            .client(ClientValue(index: i, data: data, side: c.side, origin: "\(c.origin)[\(i)]", role: c.role)) }
        case .role(let r):
            guard r.count != nil else { throw RuntimeError(RuntimeCode.type, "`\(r.name)` is the cloud role, not a fleet of devices", at: span) }
            if checkMode, r.fields["data"]?.isUnknown ?? true { return [.unknown] }
            guard case .clients(let c)? = r.fields["data"] else {
                throw RuntimeError(RuntimeCode.type, "role `\(r.name)` has no partitioned `data` to iterate", at: span,
                                   hint: "give it `data: … |> partition(…)`")
            }
            return c.federated.clients.enumerated().map { i, data in
                .client(ClientValue(index: i, data: data, side: .device, origin: "\(r.name)[\(i)]", role: r.name))
            }
        case .unknown:
            // Check mode: the body runs once with an unknown element, so models built in loops
            // are elaborated (shape-checked) too.
            return checkMode ? [.unknown] : []
        default: throw RuntimeError(RuntimeCode.type, "cannot iterate over a \(v.kindName)", at: span)
        }
    }

    func subscriptValue(_ base: Value, _ index: Value, span: SourceSpan) throws -> Value {
        func position(_ count: Int) throws -> Int {
            guard case .int(var i) = index else {
                throw RuntimeError(RuntimeCode.type, "an index must be an int, found \(index.kindName)", at: span)
            }
            if i < 0 { i += count }
            guard i >= 0 && i < count else {
                throw RuntimeError(RuntimeCode.value, "index \(index.displayString) is out of range for \(count) element\(count == 1 ? "" : "s")", at: span)
            }
            return i
        }
        switch base {
        case .unknown: return .unknown
        case .list(let xs): return xs[try position(xs.count)]
        case .string(let s):
            let chars = Array(s)
            return .string(String(chars[try position(chars.count)]))
        case .record(let r):
            guard case .string(let k) = index else { throw RuntimeError(RuntimeCode.type, "a record index must be a string", at: span) }
            guard let v = r[k] else { throw RuntimeError(RuntimeCode.value, "the record has no field `\(k)`", at: span) }
            return v
        case .clients, .role:
            let all = try iterate(base, span: span)
            return all[try position(all.count)]
        default:
            throw RuntimeError(RuntimeCode.type, "a \(base.kindName) cannot be indexed", at: span)
        }
    }

    func unary(_ op: UnaryOp, _ v: Value, span: SourceSpan) throws -> Value {
        switch (op, v) {
        case (_, .unknown): return .unknown
        case (.not, .bool(let b)): return .bool(!b)
        case (.negate, .int(let i)): return .int(try checked(i.multipliedReportingOverflow(by: -1), "`-`", at: span))
        case (.negate, .float(let f)): return .float(-f)
        case (.negate, .bytes(let b)): return .bytes(try checked(b.multipliedReportingOverflow(by: -1), "`-`", at: span))
        case (.plus, .int), (.plus, .float), (.plus, .bytes): return v
        case (.negate, .tensor(let t)): return try elaborator.tensorNegate(t, span: span)
        case (.plus, .tensor): return v
        default:
            throw RuntimeError(RuntimeCode.type, "`\(op.rawValue)` does not apply to a \(v.kindName)", at: span)
        }
    }

    func binary(_ op: BinaryOp, _ a: Value, _ b: Value, span: SourceSpan, lhsSpan: SourceSpan, rhsSpan: SourceSpan) throws -> Value {
        if a.isUnknown || b.isUnknown { return .unknown }
        func mismatch() -> RuntimeError {
            RuntimeError(RuntimeCode.type, "`\(op.rawValue)` cannot combine \(a.kindName) and \(b.kindName)", at: span)
        }
        switch op {
        case .equal: return .bool(try valuesEqual(a, b))
        case .notEqual: return .bool(!(try valuesEqual(a, b)))
        case .less, .lessEqual, .greater, .greaterEqual:
            let c: Int
            switch (a, b) {
            case (.string(let x), .string(let y)): c = x < y ? -1 : (x == y ? 0 : 1)
            case (.bytes(let x), .bytes(let y)): c = x < y ? -1 : (x == y ? 0 : 1)
            default:
                guard let x = a.numeric, let y = b.numeric else { throw mismatch() }
                c = x < y ? -1 : (x == y ? 0 : 1)
            }
            switch op {
            case .less: return .bool(c < 0)
            case .lessEqual: return .bool(c <= 0)
            case .greater: return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case .range, .rangeInclusive:
            guard case .int(let lo) = a, case .int(let hi) = b else { throw mismatch() }
            if op == .range { return .range(lo, hi) }
            // A range stores its exclusive end, which `..= 9223372036854775807` does not have.
            guard hi < Int.max else {
                throw RuntimeError(RuntimeCode.value, "a range cannot end at \(hi): its exclusive end would overflow", at: rhsSpan,
                                   hint: integerRangeHint)
            }
            return .range(lo, hi + 1)
        case .concat:
            switch (a, b) {
            case (.list(let x), .list(let y)):
                try checkListLength(x.count + y.count, at: span)
                return .list(x + y)
            case (.string(let x), .string(let y)):
                try checkStringLength(x.utf8.count + y.utf8.count, at: span)
                return .string(x + y)
            case (.dataset, .dataset): return try hooks.concatenate(a, b, span: span)
            default: throw mismatch()
            }
        default:
            break
        }
        // Arithmetic.
        if case .tensor = a { return try elaborator.tensorArithmetic(op, a, b, span: span) }
        if case .tensor = b { return try elaborator.tensorArithmetic(op, a, b, span: span) }
        if op == .add, let ma = a.modelInstance, let mb = b.modelInstance {
            return .model(try elaborator.fusedModel([ma, mb], op: .sum, span: span))
        }
        switch (op, a, b) {
        case (.add, .string(let x), .string(let y)):
            try checkStringLength(x.utf8.count + y.utf8.count, at: span)
            return .string(x + y)
        case (.add, .list(let x), .list(let y)):
            try checkListLength(x.count + y.count, at: span)
            return .list(x + y)
        case (.add, .bytes(let x), .bytes(let y)): return .bytes(try checked(x.addingReportingOverflow(y), "`+`", at: span))
        case (.subtract, .bytes(let x), .bytes(let y)): return .bytes(try checked(x.subtractingReportingOverflow(y), "`-`", at: span))
        case (.multiply, .bytes(let x), .int(let y)), (.multiply, .int(let y), .bytes(let x)):
            return .bytes(try checked(x.multipliedReportingOverflow(by: y), "`*`", at: span))
        case (.divide, .bytes(let x), .bytes(let y)):
            guard y != 0 else { throw RuntimeError(RuntimeCode.value, "division by zero", at: rhsSpan) }
            return .float(Double(x) / Double(y))
        case (.divide, .bytes(let x), .int(let y)):
            guard y != 0 else { throw RuntimeError(RuntimeCode.value, "division by zero", at: rhsSpan) }
            return .bytes(try checked(x.dividedReportingOverflow(by: y), "`/`", at: span))
        default: break
        }
        if case .int(let x) = a, case .int(let y) = b {
            switch op {
            case .add: return try checkedInt(x.addingReportingOverflow(y), span)
            case .subtract: return try checkedInt(x.subtractingReportingOverflow(y), span)
            case .multiply: return try checkedInt(x.multipliedReportingOverflow(by: y), span)
            case .divide:
                guard y != 0 else { throw RuntimeError(RuntimeCode.value, "division by zero", at: rhsSpan) }
                return .float(Double(x) / Double(y))
            case .remainder:
                guard y != 0 else { throw RuntimeError(RuntimeCode.value, "remainder by zero", at: rhsSpan) }
                return .int(flooredRemainder(x, y))
            case .power:
                if y >= 0 {
                    guard let r = integerPower(x, y) else { throw overflowError("`**`", at: span) }
                    return .int(r)
                }
                return .float(_pow(Double(x), Double(y)))
            default: break
            }
        }
        guard let x = a.numeric, let y = b.numeric else { throw mismatch() }
        switch op {
        case .add: return .float(x + y)
        case .subtract: return .float(x - y)
        case .multiply: return .float(x * y)
        case .divide:
            guard y != 0 else { throw RuntimeError(RuntimeCode.value, "division by zero", at: rhsSpan) }
            return .float(x / y)
        case .remainder:
            guard y != 0 else { throw RuntimeError(RuntimeCode.value, "remainder by zero", at: rhsSpan) }
            let r = x.truncatingRemainder(dividingBy: y)
            return .float(r != 0 && (r < 0) != (y < 0) ? r + y : r)
        case .power: return .float(_pow(x, y))
        default: throw mismatch()
        }
    }

    private func checkedInt(_ r: (partialValue: Int, overflow: Bool), _ span: SourceSpan) throws -> Value {
        if r.overflow { throw RuntimeError(RuntimeCode.value, "integer overflow", at: span, hint: integerRangeHint) }
        return .int(r.partialValue)
    }

    /// `a == b`. Pairs of shared list or record storages already found equal are not compared
    /// again, so comparing two copies of a shared DAG costs its distinct storages, not its paths.
    func valuesEqual(_ a: Value, _ b: Value) throws -> Bool {
        var equalPairs = Set<StoragePair>()
        return try valuesEqual(a, b, equalPairs: &equalPairs)
    }

    struct StoragePair: Hashable {
        var a: UnsafeRawPointer
        var b: UnsafeRawPointer
    }

    private func valuesEqual(_ a: Value, _ b: Value, equalPairs: inout Set<StoragePair>) throws -> Bool {
        var pair: StoragePair?
        if let x = a.storageIdentity, let y = b.storageIdentity {
            if x == y || equalPairs.contains(StoragePair(a: x, b: y)) { return true }
            pair = StoragePair(a: x, b: y)
        }
        let equal = try shallowEqual(a, b, equalPairs: &equalPairs)
        if equal, let p = pair { equalPairs.insert(p) }
        return equal
    }

    private func shallowEqual(_ a: Value, _ b: Value, equalPairs: inout Set<StoragePair>) throws -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.none, .none): return true
        case (.option(let x), .option(let y)): return x == y
        case (.option(let x), .string(let y)), (.string(let y), .option(let x)): return x == y
        case (.list(let x), .list(let y)):
            guard x.count == y.count else { return false }
            for (p, q) in zip(x, y) where !(try valuesEqual(p, q, equalPairs: &equalPairs)) { return false }
            return true
        case (.record(let x), .record(let y)):
            guard x.keys.sorted() == y.keys.sorted() else { return false }
            for k in x.keys where !(try valuesEqual(x[k]!, y[k]!, equalPairs: &equalPairs)) { return false }
            return true
        case (.range(let a1, let b1), .range(let a2, let b2)): return a1 == a2 && b1 == b2
        case (.model(let x), .model(let y)): return x === y
        default:
            if let x = a.numeric, let y = b.numeric { return x == y }
            return false
        }
    }

    /// `a |> f`: applies the value of `f` to `a`. With a call to a built-in or user function on
    /// the right, the subject becomes its first input (`data |> take(100)`).
    func evaluatePipe(_ lhs: Expr, _ rhs: Expr, span: SourceSpan, in env: Environment) throws -> Value {
        let subject = try evaluate(lhs, in: env)
        if case .call(let callee, let args) = rhs.kind, case .name(let id) = callee.kind, env.lookup(id.name) == nil {
            // A built-in by name (`|> conv2d(…)`): called straight away, as `builtinValue` would
            // give it (those two kinds without parameters are values, not callables).
            if let spec = builtinNamed(id.name, in: env.module, as: .value, node: callee.id),
               !(spec.params.isEmpty && (spec.kind == .partitioner || spec.kind == .schedule)) {
                return try callBuiltin(spec, try evaluateArguments(args, in: env), subject: subject, span: rhs.span)
            }
            let fv = try lookup(id.name, in: env, span: id.span)
            if case .function(.builtin(let spec)) = fv {
                return try callBuiltin(spec, try evaluateArguments(args, in: env), subject: subject, span: rhs.span)
            }
            if case .layer(let l) = fv, case .builtin(let b) = l.kind {
                return try callBuiltin(b.spec, try evaluateArguments(args, in: env), subject: subject, span: rhs.span)
            }
            if case .function(.user(let fd, let m)) = fv {
                var evaluated = try evaluateArguments(args, in: env)
                evaluated.insert((nil, subject, lhs.span), at: 0)
                return try callUser(fd, module: m, evaluated, span: rhs.span)
            }
        }
        // A bare built-in layer applied to a tensor (`|> relu`, nearly every bare name in a model
        // body): lowered as `apply` would lower the layer value `lookup` makes, without making it.
        if case .name(let id) = rhs.kind, case .tensor(let x) = subject, env.lookup(id.name) == nil,
           let spec = builtinNamed(id.name, in: env.module, as: .value, node: rhs.id), let call = bareLayerCall(spec, span: id.span),
           let y = try elaborator.lower(call, appliedTo: x, span: id.span) {
            return y
        }
        let f = try evaluate(rhs, in: env)
        return try elaborator.apply(f, to: [subject], argumentSpans: [lhs.span], span: span)
    }

    func member(_ base: Value, _ name: String, span: SourceSpan, baseText: String) throws -> Value {
        if case .unknown = base { return .unknown }
        if case .record(let r) = base {
            if let v = r[name] { return v }
            throw RuntimeError(RuntimeCode.name, "the record has no field `\(name)`", at: span,
                               hint: closestName(to: name, among: r.keys).map { "did you mean `\($0)`?" })
        }
        if case .module(let m) = base {
            guard let v = try exported(name, of: m, span: span) else {
                throw RuntimeError(RuntimeCode.name, "module `\(m.name)` has no `\(name)`", at: span)
            }
            return v
        }
        if let spec = Members.method(of: staticType(of: base), named: name) {
            return .function(.method(receiver: base, spec))
        }
        return try runtimeMember(base, name, span: span, baseText: baseText)
    }
}

extension Value {
    /// The number as a Double, for ints and floats.
    public var numeric: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let f): return f
        default: return nil
        }
    }

    /// The model instance a model-like value stands for (a distillation's student, a split's
    /// fused model is built on demand by the evaluator and not returned here).
    public var modelInstance: ModelInstance? {
        switch self {
        case .model(let m): return m
        case .distill(let d): return d.student
        default: return nil
        }
    }
}

#if canImport(Glibc)
import Glibc
func _pow(_ a: Double, _ b: Double) -> Double { Glibc.pow(a, b) }
#else
import Darwin
func _pow(_ a: Double, _ b: Double) -> Double { Darwin.pow(a, b) }
#endif
