// Built-ins the evaluator computes itself: scripting functions, reductions of numbers,
// scalar math, and the constructors of optimisers, schedules, partitioners and strategies.

import DCLData
import DCLDiagnostics
import DCLSema
import Foundation

extension Evaluator {
    func scriptBuiltin(_ f: ScriptBuiltin, _ a: BoundArguments, span: SourceSpan) throws -> Value {
        switch f {
        case .len:
            switch a["value"] {
            case .list(let xs): return .int(xs.count)
            case .string(let s): return .int(s.count)
            case .record(let r): return .int(r.count)
            case .range(let lo, let hi): return .int(lo < hi ? try checked(hi.subtractingReportingOverflow(lo), "`len` of a range", at: span) : 0)
            case .dataset(let d): return .int(d.dataset.count)
            case .clients(let c): return .int(c.federated.count)
            case .role(let r): return .int(r.count ?? 1)
            case .unknown: return .unknown
            case let v: throw RuntimeError(RuntimeCode.type, "`len` of a \(v.kindName)", at: span)
            }
        case .str:
            return .string(try displayChecked(a["value"], span: span))
        case .int:
            switch a["value"] {
            case .int(let i): return .int(i)
            case .float(let f): return .int(try integer(f, rounding: .towardZero, "`int`", at: span))
            case .bool(let b): return .int(b ? 1 : 0)
            case .bytes(let b): return .int(b)
            case .string(let s):
                guard let i = Int(s.trimmingCharacters(in: .whitespaces)) else {
                    throw RuntimeError(RuntimeCode.value, "`\(s)` is not an integer", at: span)
                }
                return .int(i)
            case .unknown: return .unknown
            case let v: throw RuntimeError(RuntimeCode.type, "`int` of a \(v.kindName)", at: span)
            }
        case .float:
            switch a["value"] {
            case .string(let s):
                guard let d = Double(s.trimmingCharacters(in: .whitespaces)) else {
                    throw RuntimeError(RuntimeCode.value, "`\(s)` is not a number", at: span)
                }
                return .float(d)
            case .bytes(let b): return .float(Double(b))
            case .unknown: return .unknown
            case let v: return .float(try double(v, "value", span: span))
            }
        case .round:
            let x = try double(a["x"], "x", span: span), d = try int(a["digits"], "digits", span: span)
            return .float(try roundToDigits(x, d, span: a.span(of: "digits") ?? span))
        case .floor: return .int(try integer(try double(a["x"], "x", span: span), rounding: .down, "`floor`", at: span))
        case .ceil: return .int(try integer(try double(a["x"], "x", span: span), rounding: .up, "`ceil`", at: span))
        case .div:
            let x = try int(a["a"], "a", span: span), y = try int(a["b"], "b", span: span)
            guard y != 0 else { throw RuntimeError(RuntimeCode.value, "`div` by zero", at: span) }
            return .int(try flooredDivision(x, y, span: span))
        case .std:
            let xs = try doubleList(a["values"], "values", span: span)
            guard !xs.isEmpty else { return .float(0) }
            let m = xs.reduce(0, +) / Double(xs.count)
            return .float((xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count)).squareRoot())
        case .sort:
            guard case .list(let xs) = a["values"] else { throw RuntimeError(RuntimeCode.type, "`sort` needs a list", at: span) }
            let desc = try bool(a["descending"], "descending", span: span)
            if xs.allSatisfy({ $0.numeric != nil }) {
                let sorted = xs.sorted { $0.numeric! < $1.numeric! }
                return .list(desc ? sorted.reversed() : sorted)
            }
            if xs.allSatisfy({ if case .string = $0 { return true }; return false }) {
                let sorted = xs.sorted { $0.displayString < $1.displayString }
                return .list(desc ? sorted.reversed() : sorted)
            }
            throw RuntimeError(RuntimeCode.type, "`sort` needs a list of numbers or of strings", at: span)
        case .reverse:
            guard case .list(let xs) = a["values"] else { throw RuntimeError(RuntimeCode.type, "`reverse` needs a list", at: span) }
            return .list(xs.reversed())
        case .zip:
            guard case .list(let xs) = a["a"], case .list(let ys) = a["b"] else {
                throw RuntimeError(RuntimeCode.type, "`zip` needs two lists", at: span)
            }
            let pairs: [Value] = zip(xs, ys).map { .list([$0, $1]) }
            for p in pairs { try checkNesting(of: p, at: span) }
            return .list(pairs)
        case .keys:
            guard case .record(let r) = a["value"] else { throw RuntimeError(RuntimeCode.type, "`keys` needs a record", at: span) }
            return .list(r.keys.map { .string($0) })
        case .join:
            guard case .list(let xs) = a["values"] else { throw RuntimeError(RuntimeCode.type, "`join` needs a list", at: span) }
            let separator = try string(a["separator"], "separator", span: span)
            var total = 0
            let parts = try xs.map { x in
                let s = try displayChecked(x, span: span)
                total += s.utf8.count + separator.utf8.count
                try checkStringLength(total, at: span)
                return s
            }
            return .string(parts.joined(separator: separator))
        case .table:
            guard case .list(let rows) = a["rows"] else { throw RuntimeError(RuntimeCode.type, "`table` needs a list of rows", at: span) }
            let cols: [String]? = try optional(a["columns"]) { v in
                guard case .list(let xs) = v else { throw RuntimeError(RuntimeCode.type, "`columns` must be a list of strings", at: span) }
                return try xs.map { try string($0, "a column name", span: span) }
            }
            let title = try optional(a["title"]) { try string($0, "the title", span: span) }
            let digits = try int(a["digits"], "digits", span: span)
            try checkFormatWidth(digits, "`digits`", at: a.span(of: "digits") ?? span)
            guard digits >= 0 else { throw RuntimeError(RuntimeCode.value, "`digits` must not be negative, found \(digits)", at: a.span(of: "digits") ?? span) }
            return .string(try table(rows: rows, columns: cols, title: title, digits: digits, span: span))
        case .assert:
            if case .unknown = a["condition"] { return .none }
            if !(try bool(a["condition"], "condition", span: span)) {
                throw RuntimeError(RuntimeCode.assertion, try string(a["message"], "message", span: span), at: span)
            }
            return .none
        case .claim:
            return try claim(a, span: span)
        case .clock:
            return .float(Date().timeIntervalSince(startTime))
        case .seed:
            return .int(Int(truncatingIfNeeded: seed))
        }
    }

    /// `sum`/`mean`/`max`/`min` of numbers or lists; on tensors they are layers.
    func reduction(_ r: ReductionLayer, _ spec: BuiltinSpec, _ args: [EvaluatedArgument], subject: Value?, span: SourceSpan) throws -> Value {
        let positional = args.filter { $0.label == nil }
        let first = subject ?? positional.first?.value
        switch first {
        case .tensor?, .layer?:
            var rest = args
            if subject == nil { rest.removeFirst() }
            let bound = try bindArguments(spec.params, rest, callee: spec.name, span: span)
            let layer = Value.layer(LayerValue(.builtin(BuiltinLayerCall(r.layer, arguments: bound)), span: span))
            return try elaborator.apply(layer, to: [first!], argumentSpans: [span], span: span)
        case nil:
            let bound = try bindArguments(spec.params, args, callee: spec.name, span: span)
            return .layer(LayerValue(.builtin(BuiltinLayerCall(r.layer, arguments: bound)), span: span))
        case .unknown?:
            return .unknown
        default:
            var numbers: [Value]
            if positional.count == 1, case .list(let xs) = positional[0].value { numbers = xs } else { numbers = positional.map(\.value) }
            if numbers.contains(where: { $0.isUnknown }) { return .unknown }
            guard !numbers.isEmpty else {
                if r == .sum { return .int(0) }
                throw RuntimeError(RuntimeCode.value, "`\(spec.name)` of an empty list", at: span)
            }
            let ds = try numbers.map { try double($0, spec.name, span: span) }
            let allInt = numbers.allSatisfy { if case .int = $0 { return true }; return false }
            switch r {
            case .sum:
                guard allInt else { return .float(ds.reduce(0, +)) }
                // Summed as integers, checked: through doubles `9223372036854775807` would round.
                var total = 0
                for case .int(let i) in numbers { total = try checked(total.addingReportingOverflow(i), "`sum`", at: span) }
                return .int(total)
            case .mean: return .float(ds.reduce(0, +) / Double(ds.count))
            case .max:
                let i = ds.indices.max { ds[$0] < ds[$1] }!
                return numbers[i]
            case .min:
                let i = ds.indices.min { ds[$0] < ds[$1] }!
                return numbers[i]
            }
        }
    }

    /// `exp`, `log`, `sqrt`, `abs`, `pow` of a number; nil for the ops that only take tensors,
    /// which go to the elaborator.
    func scalarMath(_ op: TensorOpBuiltin, _ x: Double, _ a: BoundArguments, span: SourceSpan) throws -> Value? {
        switch op {
        case .exp: return .float(Foundation.exp(x))
        case .log:
            guard x > 0 else { throw RuntimeError(RuntimeCode.value, "`log` of \(formatFloat(x))", at: span) }
            return .float(Foundation.log(x))
        case .sqrt:
            guard x >= 0 else { throw RuntimeError(RuntimeCode.value, "`sqrt` of \(formatFloat(x))", at: span) }
            return .float(x.squareRoot())
        case .abs: return .float(Swift.abs(x))
        case .pow: return .float(_pow(x, try double(a["p"], "p", span: span)))
        case .matmul, .concat, .stop, .shape, .cosineSimilarity, .argmax: return nil
        }
    }

    func optimizer(_ o: OptimizerBuiltin, _ a: BoundArguments, span: SourceSpan) throws -> OptimizerSpec {
        func nonNegative(_ name: String) throws -> Double {
            let v = try double(a[name], name, span: span)
            guard v >= 0 else { throw RuntimeError(RuntimeCode.value, "`\(name)` must not be negative", at: span) }
            return v
        }
        let lr = try nonNegative("lr")
        guard lr > 0 else { throw RuntimeError(RuntimeCode.value, "the learning rate must be positive", at: span) }
        let lazy = try bool(a["lazy"], "lazy", span: span)
        switch o {
        case .sgd:
            return .sgd(lr: lr, momentum: try nonNegative("momentum"), nesterov: try bool(a["nesterov"], "nesterov", span: span),
                        weightDecay: try nonNegative("weight_decay"), lazy: lazy)
        case .adam, .adamw:
            let b1 = try nonNegative("beta1"), b2 = try nonNegative("beta2")
            guard b1 < 1, b2 < 1 else { throw RuntimeError(RuntimeCode.value, "Adam's betas must be below 1", at: span) }
            return .adam(lr: lr, beta1: b1, beta2: b2, eps: try nonNegative("eps"), weightDecay: try nonNegative("weight_decay"),
                         decoupled: o == .adamw, lazy: lazy)
        }
    }

    func schedule(_ s: ScheduleBuiltin, _ a: BoundArguments, span: SourceSpan) throws -> ScheduleSpec {
        switch s {
        case .constant: return .constant
        case .step: return .step(every: try positiveInt(a["every"], "every", span: span), gamma: try double(a["gamma"], "gamma", span: span))
        case .cosine: return .cosine(minLR: try double(a["min_lr"], "min_lr", span: span))
        case .warmup:
            var then: ScheduleSpec = .constant
            if case .schedule(let s) = a["then"] { then = s }
            return .warmup(steps: try positiveInt(a["steps"], "steps", span: span), then: then)
        }
    }

    func partitioner(_ p: PartitionerBuiltin, _ a: BoundArguments, span: SourceSpan) throws -> PartitionScheme {
        switch p {
        case .iid: return .iid
        case .labelSubset: return .labelSubset(classesPerClient: try positiveInt(a["k"], "k", span: span))
        case .dirichlet:
            let alpha = try double(a["alpha"], "alpha", span: span)
            guard alpha > 0 else { throw RuntimeError(RuntimeCode.value, "`alpha` must be positive", at: span) }
            return .dirichlet(alpha: alpha, minSamples: 1)
        case .classGroups:
            let r = try double(a["r"], "r", span: span)
            guard r >= 0 && r <= 1 else { throw RuntimeError(RuntimeCode.value, "`r` must be in [0, 1]", at: span) }
            return .classGroups(groups: try positiveInt(a["groups"], "groups", span: span), r: r,
                                samplesPerClient: try optional(a["size"]) { try positiveInt($0, "size", span: span) })
        case .byUser: return .byUser
        }
    }

    /// Pattern constructors (the elaborator builds them) and retrieval strategies.
    func patternBuiltin(_ p: PatternBuiltin, _ a: BoundArguments, span: SourceSpan) throws -> Value {
        if a.containsValue(where: { $0.isUnknown }) { return .unknown }
        switch p {
        case .vertical: return try elaborator.vertical(a, span: span)
        case .attach: return try elaborator.attach(a, span: span)
        case .knn: return .strategy(try knnStrategy(a, span: span))
        case .overlap: return .strategy(try overlapStrategy(a, span: span))
        case .randomUsers: return .strategy(try randomUsersStrategy(a, span: span))
        case .classifier: return .strategy(try classifierStrategy(a, span: span))
        case .greedy: return .strategy(try greedyStrategy(a, span: span))
        }
    }

    // Retrieval strategies (`coarse:` and `fine:` of a retrieval declaration).

    func knnStrategy(_ a: BoundArguments, span: SourceSpan) throws -> StrategySpec {
        guard let m = a["model"].modelInstance else {
            if case .unknown = a["model"] { return .overlap(users: try positiveInt(a["users"], "users", span: span)) }
            throw RuntimeError(RuntimeCode.type, "`knn` needs the cloud model whose embeddings it searches", at: span)
        }
        return .knn(model: m, input: try string(a["input"], "input", span: span),
                    metric: try option(a["metric"], "metric", choices: ["cosine", "dot"], span: span),
                    users: try positiveInt(a["users"], "users", span: span))
    }

    func overlapStrategy(_ a: BoundArguments, span: SourceSpan) throws -> StrategySpec {
        .overlap(users: try positiveInt(a["users"], "users", span: span))
    }

    func randomUsersStrategy(_ a: BoundArguments, span: SourceSpan) throws -> StrategySpec {
        .randomUsers(users: try positiveInt(a["users"], "users", span: span), seed: try optional(a["seed"]) { try int($0, "seed", span: span) })
    }

    func classifierStrategy(_ a: BoundArguments, span: SourceSpan) throws -> StrategySpec {
        let t = try double(a["threshold"], "threshold", span: span)
        guard t >= 0 && t <= 1 else { throw RuntimeError(RuntimeCode.value, "`threshold` must be in [0, 1]", at: span) }
        return .classifier(hidden: try intList(a["hidden"], "hidden", span: span), threshold: t,
                           epochs: try positiveInt(a["epochs"], "epochs", span: span), lr: try double(a["lr"], "lr", span: span))
    }

    func greedyStrategy(_ a: BoundArguments, span: SourceSpan) throws -> StrategySpec {
        .greedy(metric: try option(a["metric"], "metric", choices: ["auc", "logloss"], span: span),
                epochs: try positiveInt(a["epochs"], "epochs", span: span), model: a["model"].modelInstance)
    }
}

extension Evaluator {
    /// The documented range of `round`'s `digits`: 10^±308 is the widest finite power of ten.
    static let roundDigits = -308...308

    /// `x` rounded half away from zero to `digits` decimals. Where `x · 10^digits` has no
    /// fractional part left (≥ 2^52, or beyond the double range) `x` is already as precise as
    /// that, and is returned unchanged — `round(2.5, digits: 400)` was `nan`.
    func roundToDigits(_ x: Double, _ digits: Int, span: SourceSpan) throws -> Double {
        guard Self.roundDigits.contains(digits) else {
            throw RuntimeError(RuntimeCode.value, "`digits` must be between \(Self.roundDigits.lowerBound) and \(Self.roundDigits.upperBound), found \(digits)", at: span)
        }
        let p = _pow(10, Double(digits))
        let scaled = x * p
        guard scaled.isFinite, abs(scaled) < 0x1p52 else { return x }
        return scaled.rounded(.toNearestOrAwayFromZero) / p
    }
}
