// From `bundle` values to `.dclb` files: plan each bundle's models (BundlePlan), take weights
// from checkpoints when given, describe and measure every model, lower it to ONNX, build each
// bundle in memory and check its role's budget — all before the first file is written, so a
// failing bundle leaves the output directory as it was. Each file is then written atomically
// by `BundleWriter` (temporary file, verified read-back, rename), the whole set into a staging
// directory that replaces the output directory at once (OutputDirectorySwap).

import DCLCompiler
import DCLDiagnostics
import DCLExport
import DCLGraph
import DCLRuntime
import DCLTensor
import Foundation

/// A failure with the exit status it maps to and the diagnostics explaining it.
struct CompileFailure: Error {
    var status: Int32
    var diagnostics: [Diagnostic]

    static func script(_ d: Diagnostic) -> CompileFailure { CompileFailure(status: ExitStatus.scriptErrors, diagnostics: [d]) }
    static func io(_ message: String) -> CompileFailure {
        CompileFailure(status: ExitStatus.usage, diagnostics: [Diagnostic.error("E0505", message, at: .none)])
    }
}

/// A bundle measured against its role's budget: by compile from the built bundle's manifest,
/// by `dcl check` from the planned graphs (BundleCheck.swift).
struct BudgetOutcome {
    let bundle: BundleValue
    let budget: BundleManifest.Budget
    let models: [(name: String, metrics: ModelMetrics)]
    /// `storage` was measured as the weights' stored bytes only (check mode: no bundle is built).
    let storageIsLowerBound: Bool
}

/// One bundle built in memory, not yet written.
struct CompiledBundle {
    let value: BundleValue
    let description: BundleDescription
    let manifest: BundleManifest
}

/// Trained weights from `--weights` files, keyed `MODEL/PARAM` (the layout `save BUNDLE` writes).
struct CheckpointWeights {
    var tensors: [String: Tensor] = [:]
    var source: [String: String] = [:]
    private(set) var used: Set<String> = []

    /// Reads each file; a key in two files must hold the same tensor.
    static func load(_ paths: [String]) throws -> CheckpointWeights {
        var c = CheckpointWeights()
        for path in paths {
            let store: ParameterStore
            do { store = try ParameterStore.load(path: path) } catch {
                throw CompileFailure.io("cannot read --weights \(path): \(error)")
            }
            for (k, t) in store.tensors {
                if let old = c.tensors[k], !old.bitwiseEqual(t) {
                    throw CompileFailure.io("--weights: `\(k)` differs between \(c.source[k]!) and \(path)")
                }
                c.tensors[k] = t
                c.source[k] = path
            }
        }
        return c
    }

    /// Replaces every weight of `m` by the checkpoint's, which must hold all of them.
    mutating func apply(to m: inout PlannedModel, bundle: BundleValue) throws {
        let keys = m.weights.keys.sorted()
        let missing = keys.filter { tensors["\(m.name)/\($0)"] == nil }
        if !missing.isEmpty {
            let what = missing.count == keys.count ? "no weights for model `\(m.name)`"
                : "no `\(m.name)/\(missing[0])`" + (missing.count > 1 ? " (and \(missing.count - 1) more of that model)" : "")
            throw CompileFailure(status: ExitStatus.usage, diagnostics: [
                Diagnostic.error("E0505", "--weights has \(what), which bundle `\(bundle.name)` ships", at: bundle.span,
                                 hint: "save the bundle from a run with `save \(bundle.name) to \"….safetensors\"`, or give every checkpoint with another --weights"),
            ])
        }
        for k in keys {
            let key = "\(m.name)/\(k)", t = tensors[key]!, want = m.weights[k]!
            guard t.shape == want.shape, t.dtype == want.dtype else {
                throw CompileFailure(status: ExitStatus.usage, diagnostics: [
                    Diagnostic.error("E0505", "--weights \(source[key]!): `\(key)` is \(t.dtype.rawValue)\(formatShape(t.shape)), bundle `\(bundle.name)` needs \(want.dtype.rawValue)\(formatShape(want.shape))",
                                     at: bundle.span),
                ])
            }
            m.weights[k] = t
            used.insert(key)
        }
    }

    /// Keys no compiled model read (a misspelled model, a stale checkpoint).
    var unused: [String] { tensors.keys.filter { !used.contains($0) }.sorted() }
}

enum BundleCompiler {
    /// Plans, describes and measures every bundle, in memory.
    static func build(_ bundles: [BundleValue], evaluator: Evaluator, checkpoint: inout CheckpointWeights?) throws -> [CompiledBundle] {
        var seen: [String: SourceSpan] = [:]
        var out: [CompiledBundle] = []
        for b in bundles {
            if seen[b.name] != nil { continue }
            seen[b.name] = b.span
            var plan = try BundlePlan.make(b, evaluator: evaluator)
            if checkpoint != nil {
                for i in plan.models.indices { try checkpoint!.apply(to: &plan.models[i], bundle: b) }
            }
            out.append(try describe(plan))
        }
        return out
    }

    static func storage(_ b: BundleValue) throws -> WeightStorage {
        switch b.quantize {
        case "none", "f32": return .float32
        case "f16": return .float16
        case "int8": return .int8(perChannel: true)
        default:
            throw RuntimeError(RuntimeCode.value, "bundle `\(b.name)`: `quantize` is `none`, `f16` or `int8`, found `\(b.quantize)`", at: b.span)
        }
    }

    /// The bundle's description, every model lowered to ONNX when `export` asks for it, and its
    /// manifest (budget measured) — nothing written.
    static func describe(_ plan: BundlePlan) throws -> CompiledBundle {
        let b = plan.bundle
        let storage = try storage(b)
        func failure(_ message: String, hint: String? = nil) -> RuntimeError { RuntimeError(RuntimeCode.type, message, at: b.span, hint: hint) }
        var models: [ModelDescription] = []
        for pm in plan.models {
            let metrics = try measure(pm, in: b)
            do {
                var d = try ModelDescription(name: pm.name, graph: pm.graph, weights: pm.weights, metrics: metrics)
                if b.exports.contains("onnx") {
                    d.onnx = try ONNXLowering.export(pm.graph, model: d, weightStorage: storage, producerVersion: dclVersion)
                }
                d.outputError = try QuantizationProbe.outputError(pm.graph, weights: pm.weights, storage: storage, channelAxes: pm.graph.channelAxes())
                models.append(d)
            } catch let e as ExportError {
                throw failure("cannot export `\(pm.name)`: \(e.description)",
                              hint: e.kind == .unsupported ? "leave `onnx` out of the bundle's `export:` to ship the graph without an ONNX file" : nil)
            } catch let e as GraphError {
                throw failure("cannot measure `\(pm.name)`: \(e.description)")
            }
        }
        let limits = budgetLimits(b)
        let patterns = plan.patterns.map { p in
            BundleManifest.Pattern(kind: p.kind, name: p.name, models: p.models, settings: p.settings.mapValues { s in
                switch s {
                case .int(let v): return .number(Double(v))
                case .number(let v): return .number(v)
                case .text(let t): return .text(t)
                }
            })
        }
        let description = BundleDescription(
            name: b.name, role: RoleDescription(name: b.role.name, kind: b.role.side == .device ? .device : .cloud),
            budget: limits, weightStorage: storage, models: models, dclVersion: dclVersion, patterns: patterns)
        do {
            return CompiledBundle(value: b, description: description, manifest: try BundleWriter().manifest(for: description))
        } catch let e as ExportError {
            throw failure("cannot build bundle `\(b.name)`: \(e.description)")
        }
    }

    /// A planned model's entry name checked and its costs measured (at its measuring batch) —
    /// shared by compile and by `dcl check`, which measures the same graphs without weights.
    static func measure(_ pm: PlannedModel, in b: BundleValue) throws -> ModelMetrics {
        do { try validateModelName(pm.name) } catch {
            throw RuntimeError(RuntimeCode.type, "`\(pm.name)` cannot name a bundle entry: entry names are letters, digits, `_`, `.` and `-`",
                               at: b.span, hint: "bind the model to a name with `let` and list that name")
        }
        do { return try ModelMetrics(measuring: pm.graph, batch: pm.measureBatch) } catch let e as GraphError {
            throw RuntimeError(RuntimeCode.type, "cannot measure `\(pm.name)`: \(e.description)", at: b.span)
        }
    }

    /// The limits of the budget of `b`'s role, in the manifest's order.
    static func budgetLimits(_ b: BundleValue) -> [BudgetLimit] {
        var limits: [BudgetLimit] = []
        if let budget = b.role.budget {
            if let v = budget.params { limits.append(BudgetLimit(.params, limit: v)) }
            if let v = budget.flops { limits.append(BudgetLimit(.flops, limit: v)) }
            if let v = budget.memory { limits.append(BudgetLimit(.memory, limit: v)) }
            if let v = budget.storage { limits.append(BudgetLimit(.storage, limit: v)) }
        }
        return limits
    }

    /// A diagnostic at the bundle declaration for every bundle over its role's budget.
    static func budgetDiagnostics(_ compiled: [CompiledBundle]) -> [Diagnostic] {
        compiled.compactMap { c in
            budgetDiagnostic(BudgetOutcome(bundle: c.value, budget: c.manifest.budget, models: c.manifest.models.map {
                ($0.name, ModelMetrics(params: $0.params, flopsPerSample: $0.flopsPerSample, peakMemoryBytes: $0.peakMemoryBytes))
            }, storageIsLowerBound: false))
        }
    }

    /// E0406 if `o` breaks its budget: each limit, each model's measured value, and by how much
    /// it is over. Compile and `dcl check` both report through here.
    static func budgetDiagnostic(_ o: BudgetOutcome) -> Diagnostic? {
        guard !o.budget.met else { return nil }
        var notes: [String] = []
        for l in o.budget.limits {
            let f: (Int) -> String = l.metric.isBytes ? bytes : count
            func verdict(_ v: Int) -> String { v <= l.limit ? "ok" : "over by \(f(v - l.limit))" }
            if l.metric == .storage {
                if o.storageIsLowerBound {
                    // Only the weights are counted, so under the limit says nothing either way.
                    let status = l.met ? "; `dcl compile` measures the whole bundle" : ", over by at least \(f(l.measured - l.limit))"
                    notes.append("storage (bundle bytes) ≤ \(f(l.limit)): at least \(f(l.measured)) (the weights' stored bytes, a lower bound)\(status)")
                } else {
                    notes.append("storage (bundle bytes) ≤ \(f(l.limit)): \(f(l.measured)), \(verdict(l.measured))")
                }
                continue
            }
            let perModel = o.models.map { model -> String in
                let v = l.metric == .params ? model.metrics.params : l.metric == .flops ? model.metrics.flopsPerSample : model.metrics.peakMemoryBytes
                return "`\(model.name)` \(f(v)) (\(verdict(v)))"
            }
            let what = l.metric == .flops ? "flops per sample" : l.metric == .memory ? "peak memory" : "params"
            notes.append("\(what) ≤ \(f(l.limit)) per model: " + perModel.joined(separator: ", "))
        }
        let over = o.budget.limits.filter { !$0.met }.map(\.metric.rawValue).joined(separator: ", ")
        return Diagnostic(code: "E0406", severity: .error,
                          message: "bundle `\(o.bundle.name)` exceeds the budget of role `\(o.bundle.role.name)` (\(over))",
                          span: o.bundle.span, labels: [DiagnosticLabel(o.bundle.role.budget?.span ?? o.bundle.role.span, "budget declared here")],
                          notes: notes, hint: "shrink the models, quantize the bundle (`quantize: int8`), or raise the role's budget")
    }

    /// Checks every destination before writing any, then writes each bundle atomically.
    static func write(_ compiled: [CompiledBundle], to directory: String) throws -> [URL] {
        let dir = URL(fileURLWithPath: directory)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CompileFailure.io("`\(directory)` exists and is not a directory")
        }
        let urls = compiled.map { dir.appendingPathComponent("\($0.description.name).dclb") }
        for url in urls where FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue {
            throw CompileFailure.io("`\(url.path)` is a directory; it cannot be replaced by a bundle")
        }
        // The whole set goes into a staging directory swapped in at the end when possible
        // (OutputDirectorySwap.swift); otherwise each bundle is replaced atomically in place.
        let swap: OutputDirectorySwap?
        do { swap = try OutputDirectorySwap.begin(directory) } catch let e as OutputDirectorySwap.Failure {
            throw CompileFailure.io(e.description)
        }
        for (c, url) in zip(compiled, urls) {
            let target = swap.map { URL(fileURLWithPath: $0.path(of: url.lastPathComponent)) } ?? url
            do { try BundleWriter().write(c.description, to: target) } catch let e as ExportError {
                swap?.abandon()
                throw CompileFailure.io("cannot write \(url.path): \(e.description)")
            }
        }
        do { try swap?.commit() } catch let e as OutputDirectorySwap.Failure {
            throw CompileFailure.io(e.description)
        }
        return urls
    }

    static func count(_ n: Int) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func bytes(_ n: Int) -> String {
        n < 1024 ? "\(count(n)) B" : "\(DCLGraph.formatBytes(n)) (\(count(n)) B)"
    }

    /// One line per written bundle.
    static func summary(_ c: CompiledBundle, url: URL) -> String {
        let m = c.manifest
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        let budget = m.budget.limits.isEmpty ? "no budget" : "budget met"
        return "wrote \(url.path): \(m.role.kind.rawValue) bundle, \(m.models.count) model\(m.models.count == 1 ? "" : "s") (\(m.models.map(\.name).joined(separator: ", "))), \(m.weights.storage) weights, \(DCLGraph.formatBytes(size)), \(budget)"
    }
}
