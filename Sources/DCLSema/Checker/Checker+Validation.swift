// `train`'s validation options (`validate`, `every`, `early_stop`, `keep`), checked as the
// interpreter reads them: `early_stop`'s `metric` is a named choice written bare or quoted, and
// `every`, `early_stop` and `keep: best` need `validate:` beside them.

import DCLDiagnostics
import DCLSyntax

extension Checker {
    func checkValidationOption(_ f: RecordField, context: String, in scope: Scope) {
        if f.name.name == "validate" {
            let t = checkExpr(f.value, in: scope)
            if t != .dataset && t != .clients && t != .client && t != .any {
                error(.wrongType, "option `validate` expects a dataset, a client or clients, found \(t)", at: f.value.span,
                      hint: "validate on held-out data, e.g. `validate: data.test`")
            }
            return
        }
        // early_stop
        guard case .record(let inner) = f.value.kind else {
            let t = checkExpr(f.value, in: scope)
            if case .record = t {} else if t != .any {
                error(.wrongType, "option `early_stop` expects a record such as `{ metric: accuracy, patience: 3 }`, found \(t)",
                      at: f.value.span)
            }
            return
        }
        let known: [String: DCLType] = ["metric": .option, "patience": .int, "min_delta": .float]
        var seen = Set<String>()
        for g in inner {
            if !seen.insert(g.name.name).inserted {
                error(.fieldGivenTwice, "field `\(g.name.name)` is given twice", at: g.name.span)
            }
            guard let expected = known[g.name.name] else {
                let hint = closestName(to: g.name.name, among: known.keys).map { "did you mean `\($0)`?" }
                    ?? "fields: `metric`, `min_delta`, `patience`"
                error(.unknownOption, "`early_stop` has no field `\(g.name.name)`", at: g.name.span, hint: hint)
                checkExpr(g.value, in: scope)
                continue
            }
            if expected == .option {
                checkChoice(g.value, option: "metric", of: "early_stop", choices: ValidationMetric.names, in: scope)
                continue
            }
            let t = checkExpr(g.value, in: scope)
            if !t.isAssignable(to: expected) {
                error(.wrongType, "field `\(g.name.name)` of `early_stop` expects \(article(expected)), found \(t)", at: g.value.span)
            }
        }
        record(f.value, .record([:]))
    }

    /// `every`, `early_stop` and `keep: best` without `validate:` have nothing to measure.
    func checkValidationNeeded(_ fields: [RecordField], context: String) {
        guard !fields.contains(where: { $0.name.name == "validate" }) else { return }
        for f in fields {
            var needs = ["every", "early_stop"].contains(f.name.name)
            if f.name.name == "keep" {
                switch f.value.kind {
                case .name(let id): needs = id.name == "best"
                case .string(let parts): if parts.count == 1, case .text("best") = parts[0] { needs = true }
                default: break
                }
            }
            if needs {
                error(.builtinRule, "`\(f.name.name)` needs validation data: add `validate: DATA` to the `\(context)` options",
                      at: f.name.span, hint: "e.g. `validate: data.test`")
            }
        }
    }
}
