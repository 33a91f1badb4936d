// Facts about a program's models, collected while check mode elaborates them: for each model
// declaration (its first instance), the inputs, output, parameters, FLOPs and peak memory, and
// for every statement that added graph nodes, the shape it leaves (batch symbolic, `N`) with
// the parameters and FLOPs of its nodes. Collected at construction time because check mode
// drops instances it does not keep.

import DCLCompiler
import DCLDiagnostics
import DCLGraph
import DCLSyntax
import DCLTensor

/// One statement's contribution to a model's graph.
public struct LineFacts: Sendable, Equatable {
    public var span: SourceSpan
    /// The shape of the statement's last value, e.g. `[N, 6, 12, 12]` (batch `N`).
    public var shape: String
    public var params: Int
    public var flops: Int
    /// The model whose elaboration ran the statement.
    public var model: String
}

/// A model's summary line facts.
public struct ModelSummary: Sendable, Equatable {
    public var name: String
    public var inputs: String
    public var output: String
    public var params: Int
    public var flops: Int
    public var peakBytes: Int
    /// Set when the summary could not be measured (the reason).
    public var problem: String?

    public var markdown: String {
        var s = "**model `\(name)`**\n\n- inputs: `\(inputs)`\n- output: `\(output)`\n"
        if let p = problem { return s + "- \(p)\n" }
        s += "- parameters: \(formatThousands(params))\n- FLOPs per sample: \(formatCount(flops)) (a multiply-add counts 2)\n"
        s += "- peak activation memory at batch 1: \(formatBytes(peakBytes))\n"
        return s
    }
}

/// A bundle's budget as `dcl compile` measures it against its role.
public struct BundleBudget: Sendable, Equatable {
    public var bundle: String
    public var role: String
    /// `params: 44.4k of 100.0k — within budget` …
    public var lines: [String]
    public init(bundle: String, role: String, lines: [String]) { self.bundle = bundle; self.role = role; self.lines = lines }
}

public final class ProgramFacts: ModelObserver, @unchecked Sendable {
    /// Summaries by the span of the declaration's name (first instance of each declaration).
    public private(set) var models: [SourceSpan: ModelSummary] = [:]
    /// Summaries of top-level bindings holding a model, by name.
    public private(set) var boundModels: [String: ModelSummary] = [:]
    /// Statement facts by statement span (the first model to run a statement wins).
    public private(set) var lines: [SourceSpan: LineFacts] = [:]
    public var bundles: [String: BundleBudget] = [:]

    public init() {}

    public func constructed(_ m: ModelInstance, by constructor: ConstructorRef) {
        guard let md = constructor.model, models[md.name.span] == nil else { return }
        models[md.name.span] = ProgramFacts.summary(m, name: md.name.name)
        guard let g = try? m.forward(training: false), let cost = try? m.cost(batch: 1), cost.rows.count == g.nodes.count else { return }
        var seen: [SourceSpan: LineFacts] = [:]
        var order: [SourceSpan] = []
        for r in m.statementNodes where !r.nodes.isEmpty && r.nodes.upperBound <= g.nodes.count {
            let last = g.nodes[r.nodes.upperBound - 1]
            let shape = last.outputs.first.map { ProgramFacts.describe(g.type(of: $0)) } ?? "?"
            let rows = cost.rows[r.nodes]
            let params = saturatingSum(rows.map(\.parameters)), flops = saturatingSum(rows.map(\.flops))
            if var f = seen[r.span] {
                // A statement run more than once (a loop): totals, and the shape it left last.
                f.shape = shape
                f.params = saturatingSum([f.params, params])
                f.flops = saturatingSum([f.flops, flops])
                seen[r.span] = f
            } else {
                seen[r.span] = LineFacts(span: r.span, shape: shape, params: params, flops: flops, model: md.name.name)
                order.append(r.span)
            }
        }
        for s in order where lines[s] == nil { lines[s] = seen[s] }
    }

    /// Records the models bound at the top level of the main module once evaluation is done.
    public func finish(_ ev: Evaluator) {
        let env = ev.environment(of: ev.program.main)
        for name in env.localNames {
            if case .model(let m)? = env.lookup(name) { boundModels[name] = ProgramFacts.summary(m, name: name) }
        }
    }

    /// `[N, 6, 12, 12]`, with `i32` in front for integer tensors (f32 is the default).
    static func describe(_ t: TensorType) -> String {
        (t.dtype == .float32 ? "" : t.dtype.rawValue) + "[" + t.dims.map { "\($0)" }.joined(separator: ", ") + "]"
    }

    static func summary(_ m: ModelInstance, name: String) -> ModelSummary {
        var s = ModelSummary(name: name, inputs: m.inputDescription, output: m.outputDescription, params: 0, flops: 0, peakBytes: 0)
        do {
            let c = try m.cost(batch: 1)
            s.params = m.parameterCount
            s.flops = c.totalFlops
            s.peakBytes = c.peakActivationBytes
        } catch {
            s.problem = "not measured: \(error)"
        }
        return s
    }
}

/// `44,426`.
func formatThousands(_ n: Int) -> String {
    let s = String(n.magnitude)
    var out = ""
    for (i, c) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + String(out.reversed())
}
