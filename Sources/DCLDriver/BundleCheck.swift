// `dcl check`'s bundle rules: each `bundle` declaration is planned as `dcl compile` plans it
// (BundlePlan, with `.graphs` contents — check mode creates no weights) and measured against
// its role's budget by compile's own code (BundleCompiler.measure, budgetLimits,
// budgetDiagnostic). So check reports placement (E0401) and budget (E0406) errors without
// allocating a weight, loading data or writing a file, and a model of 10^10 parameters checks
// as fast as a small one.
//
// Params, FLOPs per sample and peak memory come exactly from the graphs. A bundle's storage is
// only known once its weights are serialised, so check measures a lower bound — the bytes the
// weights take under the bundle's `quantize` (the bundle adds graph text, ONNX files and
// headers) — and reports storage only when that bound already exceeds the limit.
//
// A bundle that needs a value check mode leaves unknown (a model built from data, the role's
// data or pool) is skipped: `dcl compile` checks it.

import DCLCompiler
import DCLDiagnostics
import DCLExport
import DCLRuntime

enum BundleCheck {
    /// Placement and budget errors of the main module's bundles, in source order.
    /// `measured` is told each bundle's budget as measured (the language server's hover).
    static func diagnostics(_ ev: Evaluator, measured: ((BundleValue, BundleManifest.Budget) -> Void)? = nil) -> [Diagnostic] {
        var out: [Diagnostic] = []
        var seen: Set<String> = []
        for d in CompileMode.bundleDeclarations(ev.program) where seen.insert(d.name.name).inserted {
            // A bundle whose value failed has had its error reported already.
            guard case .bundle(let b)? = try? ev.declarationValue(d, in: ev.program.main, span: d.name.span) else { continue }
            do {
                if let e = try check(b, evaluator: ev, measured: measured) { out.append(e) }
            } catch is BundlePlan.NeedsData {
                continue
            } catch let e as RuntimeError {
                // Data and file errors belong to a run or compile, not to the script's rules.
                if [RuntimeCode.data, RuntimeCode.io].contains(e.code) { continue }
                out.append(e.diagnostic)
            } catch {
                continue
            }
        }
        return out
    }

    /// E0406 if `b` is over its role's budget; throws what planning or measuring finds.
    static func check(_ b: BundleValue, evaluator: Evaluator,
                      measured: ((BundleValue, BundleManifest.Budget) -> Void)? = nil) throws -> Diagnostic? {
        let plan = try BundlePlan.make(b, evaluator: evaluator, contents: .graphs)
        let storage = try BundleCompiler.storage(b)
        let models = try plan.models.map { ($0.name, try BundleCompiler.measure($0, in: b)) }
        let budget = try BundleManifest.Budget(measuring: BundleCompiler.budgetLimits(b), models: models.map(\.1),
                                               storage: plan.models.reduce(0) { $0 + storedWeightBytes($1, storage) })
        measured?(b, budget)
        return BundleCompiler.budgetDiagnostic(BudgetOutcome(bundle: b, budget: budget, models: models, storageIsLowerBound: true))
    }

    /// The bytes `m`'s weights take in a bundle stored as `storage`, from the parameters' shapes.
    static func storedWeightBytes(_ m: PlannedModel, _ storage: WeightStorage) -> Int {
        let axes = m.graph.channelAxes()
        return m.graph.parameters.reduce(0) { $0 + storage.storedByteCount(shape: $1.shape, dtype: $1.dtype, channelAxis: axes[$1.name]) }
    }
}
