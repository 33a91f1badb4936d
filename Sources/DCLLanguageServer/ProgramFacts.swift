// Facts about a program's models, collected while check mode elaborates them: for each model
// declaration its first instance, and for every statement that added graph nodes the shape it
// leaves (batch symbolic, `N`). Shapes are read at once (inlay hints need them for every line);
// parameters, FLOPs and memory are measured only when a hover asks (a cost report per model is
// most of a check's time otherwise). Instances are kept because check mode drops those it does
// not bind; they are released with the analysis.

import DCLCompiler
import DCLDiagnostics
import DCLGraph
import DCLSyntax
import DCLTensor

/// One model instance, measured on first use.
public final class ModelRecord: @unchecked Sendable {
    public let name: String
    let instance: ModelInstance
    init(name: String, instance: ModelInstance) { self.name = name; self.instance = instance }

    /// Cost at batch 1 (nil if it cannot be measured, with the reason in `problem`).
    lazy var cost: CostReport? = try? instance.cost(batch: 1)

    public lazy var summary: ModelSummary = {
        var s = ModelSummary(name: name, inputs: instance.inputDescription, output: instance.outputDescription, params: 0, flops: 0, peakBytes: 0)
        do {
            let c = try instance.cost(batch: 1)
            s.params = instance.parameterCount
            s.flops = c.totalFlops
            s.peakBytes = c.peakActivationBytes
        } catch {
            s.problem = "not measured: \(error)"
        }
        return s
    }()
}

/// One statement's contribution to a model's graph.
public struct LineFacts: @unchecked Sendable {
    public var span: SourceSpan
    /// The shape of the statement's last value, e.g. `[N, 6, 12, 12]` (batch `N`).
    public var shape: String
    /// The model whose elaboration ran the statement, and the nodes it added (one range per run).
    let record: ModelRecord
    var nodes: [Swift.Range<Int>]

    public var model: String { record.name }
    public var params: Int { total(\.parameters) }
    public var flops: Int { total(\.flops) }

    private func total(_ field: KeyPath<CostReport.Row, Int>) -> Int {
        guard let rows = record.cost?.rows else { return 0 }
        return saturatingSum(nodes.flatMap { r in r.upperBound <= rows.count ? rows[r].map { $0[keyPath: field] } : [] })
    }
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
    /// First instance of each model declaration, by the span of the declaration's name.
    public private(set) var models: [SourceSpan: ModelRecord] = [:]
    /// Top-level bindings holding a model, by name.
    public private(set) var boundModels: [String: ModelRecord] = [:]
    /// Statement facts by statement span (the first model to run a statement wins).
    public private(set) var lines: [SourceSpan: LineFacts] = [:]
    public var bundles: [String: BundleBudget] = [:]

    public init() {}

    public func constructed(_ m: ModelInstance, by constructor: ConstructorRef) {
        guard let md = constructor.model, models[md.name.span] == nil else { return }
        let record = ModelRecord(name: md.name.name, instance: m)
        models[md.name.span] = record
        guard let g = try? m.forward(training: false) else { return }
        var seen: [SourceSpan: LineFacts] = [:]
        for r in m.statementNodes where !r.nodes.isEmpty && r.nodes.upperBound <= g.nodes.count {
            let last = g.nodes[r.nodes.upperBound - 1]
            let shape = last.outputs.first.map { ProgramFacts.describe(g.type(of: $0)) } ?? "?"
            if var f = seen[r.span] {
                // A statement run more than once (a loop): all its nodes, and the shape it left last.
                f.shape = shape
                f.nodes.append(r.nodes)
                seen[r.span] = f
            } else {
                seen[r.span] = LineFacts(span: r.span, shape: shape, record: record, nodes: [r.nodes])
            }
        }
        for (s, f) in seen where lines[s] == nil { lines[s] = f }
    }

    /// Records the models bound at the top level of the main module once evaluation is done.
    public func finish(_ ev: Evaluator) {
        let env = ev.environment(of: ev.program.main)
        for name in env.localNames {
            if case .model(let m)? = env.lookup(name) { boundModels[name] = ModelRecord(name: name, instance: m) }
        }
    }

    /// `[N, 6, 12, 12]`, with the element type in front when it is not the default f32.
    static func describe(_ t: TensorType) -> String {
        (t.dtype == .float32 ? "" : t.dtype.rawValue) + "[" + t.dims.map { "\($0)" }.joined(separator: ", ") + "]"
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
