// Roles (with their data and budgets) and bundles.

import DCLDiagnostics
import DCLSyntax

/// The budget fields a role may declare and the unit each is measured in.
public enum BudgetField: String, CaseIterable, Sendable {
    case params, flops, memory, storage

    /// Counts (`100k`) or byte sizes (`1MiB`).
    public var unit: SizeUnitKind {
        switch self {
        case .params, .flops: return .count
        case .memory, .storage: return .bytes
        }
    }

    public var meaning: String {
        switch self {
        case .params: return "parameters per model"
        case .flops: return "FLOPs per sample (a multiply-add counts 2)"
        case .memory: return "peak memory at batch 1 (weights + activations)"
        case .storage: return "bundle size on disk"
        }
    }
}

extension Checker {
    func checkRoleFields(_ fields: [Field], fleet: Bool, roleName: String, in scope: Scope) {
        var seen: [String: SourceSpan] = [:]
        for f in fields {
            if let first = seen[f.name.name] {
                diagnostics.emit(Diagnostic.error(.fieldGivenTwice, "role field `\(f.name.name)` is given twice", at: f.name.span)
                    .withLabel(first, "first given here"))
            }
            seen[f.name.name] = f.name.span
            switch f.value {
            case .nested(let inner):
                if f.name.name == "budget" {
                    checkBudget(inner, in: scope)
                } else if f.name.name == "round" {
                    if fleet {
                        checkRound(inner, in: scope)
                    } else {
                        error(.unknownOption, "`round` is for a fleet of devices (`role \(roleName)[N] { … }`): the cloud answers every round",
                              at: f.name.span)
                    }
                } else {
                    error(.unknownOption, "only `budget` and `round` take a block in a role; `\(f.name.name)` needs a value (`\(f.name.name): …`)",
                          at: f.name.span)
                }
            case .expr(let e):
                if f.name.name == "budget" {
                    error(.wrongType, "`budget` takes a block: `budget { params: 100k, memory: 1MiB }`", at: e.span)
                    continue
                }
                if f.name.name == "round" {
                    error(.wrongType, "`round` takes a block: `round { min_responses: 0.9, timeout: 30s }`", at: e.span)
                    continue
                }
                let t = checkExpr(e, in: scope)
                if f.name.name == "data" {
                    switch t {
                    case .dataset, .clients, .record, .any: break
                    default: error(.wrongType, "a role's `data` must be a dataset or clients, found \(t)", at: e.span)
                    }
                }
                if !fleet {
                    let facts = placementFacts(of: e, in: scope)
                    if facts.side == .device {
                        error(.deviceDataToCloud, "device samples would flow to the cloud: `\(roleName).\(f.name.name)` reads \(facts.origin.map { "`\($0)`" } ?? "device data")",
                              at: e.span, hint: "raw device samples never leave the device; send models or gradients instead")
                    }
                }
            }
        }
    }

    func checkBudget(_ fields: [Field], in scope: Scope) {
        var seen = Set<String>()
        for f in fields {
            guard let field = BudgetField(rawValue: f.name.name) else {
                let hint = closestName(to: f.name.name, among: BudgetField.allCases.map(\.rawValue)).map { "did you mean `\($0)`?" }
                    ?? "budget fields: " + BudgetField.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ")
                error(.unknownBudgetField, "unknown budget field `\(f.name.name)`", at: f.name.span, hint: hint)
                continue
            }
            if !seen.insert(field.rawValue).inserted { error(.fieldGivenTwice, "budget field `\(field.rawValue)` is given twice", at: f.name.span) }
            guard case .expr(let e) = f.value else {
                error(.wrongType, "budget `\(field.rawValue)` takes a value", at: f.name.span)
                continue
            }
            let t = checkExpr(e, in: scope)
            var unitGiven: SizeUnitKind?
            var plain = false
            if case .size(let lit) = e.kind { unitGiven = lit.kind } else if t == .bytes { unitGiven = .bytes } else if t == .int { plain = true }
            switch field.unit {
            case .count:
                if unitGiven == .bytes {
                    error(.budgetUnit, "budget `\(field.rawValue)` is a count of \(field.meaning), found a byte size", at: e.span,
                          hint: "write a count such as `100k` or `2M`")
                } else if t != .int && t != .any {
                    error(.budgetUnit, "budget `\(field.rawValue)` must be a count, found \(t)", at: e.span)
                }
            case .bytes:
                if unitGiven == .count {
                    error(.budgetUnit, "budget `\(field.rawValue)` is a byte size (\(field.meaning)), found a count", at: e.span,
                          hint: "write bytes with a unit, e.g. `1MiB` (2^20 bytes) or `1MB` (10^6 bytes)")
                } else if plain, case .int = e.kind {
                    error(.budgetUnit, "budget `\(field.rawValue)` needs a byte unit", at: e.span,
                          hint: "write e.g. `512KiB` or `1MiB`")
                } else if t != .bytes && t != .any && !plain {
                    error(.budgetUnit, "budget `\(field.rawValue)` must be a byte size, found \(t)", at: e.span)
                }
            case .duration:
                break  // no budget is a duration
            }
            if case .size(let lit) = e.kind, lit.value <= 0 { error(.budgetUnit, "a budget must be positive", at: e.span) }
            if case .int(let v) = e.kind, v <= 0 { error(.budgetUnit, "a budget must be positive", at: e.span) }
        }
    }

    /// `round { min_responses: 0.9, timeout: 30s }`: how a deployed run's rounds over this
    /// fleet tolerate devices that do not answer (docs/deploy.md).
    func checkRound(_ fields: [Field], in scope: Scope) {
        let known = ["min_responses", "timeout"]
        var seen = Set<String>()
        for f in fields {
            guard known.contains(f.name.name) else {
                let hint = closestName(to: f.name.name, among: known).map { "did you mean `\($0)`?" }
                    ?? "round fields: `min_responses`, `timeout`"
                error(.unknownOption, "a round has no field `\(f.name.name)`", at: f.name.span, hint: hint)
                continue
            }
            if !seen.insert(f.name.name).inserted { error(.fieldGivenTwice, "round field `\(f.name.name)` is given twice", at: f.name.span) }
            guard case .expr(let e) = f.value else {
                error(.wrongType, "round `\(f.name.name)` takes a value", at: f.name.span)
                continue
            }
            let t = checkExpr(e, in: scope)
            if f.name.name == "timeout" {
                if case .size(let lit) = e.kind {
                    if lit.kind != .duration {
                        error(.wrongType, "round `timeout` is a duration, found a \(lit.kind == .bytes ? "byte size" : "count")", at: e.span,
                              hint: "write it with a time unit: `30s`, `500ms`, `2min`")
                    } else if !(lit.value > 0) {
                        error(.wrongType, "round `timeout` must be positive", at: e.span)
                    }
                } else if t != .any {
                    error(.wrongType, "round `timeout` needs a time unit", at: e.span, hint: "write e.g. `30s`, `500ms` or `2min`")
                }
            } else {
                if t != .float && t != .int && t != .any {
                    error(.wrongType, "round `min_responses` is the fraction of devices that must answer, found \(t)", at: e.span)
                }
                let literal: Double?
                switch e.kind {
                case .float(let v, _): literal = v
                case .int(let v): literal = Double(v)
                default: literal = nil
                }
                if let v = literal, !(v > 0 && v <= 1) {
                    error(.wrongType, "round `min_responses` is a fraction in (0, 1], found \(v)", at: e.span,
                          hint: "0.9 lets a round close with 90 % of the devices answering")
                }
            }
        }
    }

    func checkBundle(role: Identifier, fields: [Field], in scope: Scope) {
        var fleet = false
        if let sym = resolve(role, in: scope) {
            if case .declaration(let d, _) = sym.kind, case .role(_, let count, _) = d.kind {
                fleet = count != nil
            } else {
                error(.wrongType, "a bundle is `for` a role, but `\(role.name)` is \(article(sym.type))", at: role.span)
            }
        }
        let known: [String: DCLType] = ["models": .list(.model), "export": .list(.any), "quantize": .option, "index": .retrieval]
        var seen = Set<String>()
        var hasModels = false
        for f in fields {
            guard let expected = known[f.name.name] else {
                let hint = closestName(to: f.name.name, among: known.keys).map { "did you mean `\($0)`?" }
                    ?? "fields: " + known.keys.sorted().map { "`\($0)`" }.joined(separator: ", ")
                error(.unknownOption, "a bundle has no field `\(f.name.name)`", at: f.name.span, hint: hint)
                continue
            }
            if !seen.insert(f.name.name).inserted { error(.fieldGivenTwice, "bundle field `\(f.name.name)` is given twice", at: f.name.span) }
            guard case .expr(let e) = f.value else {
                error(.wrongType, "`\(f.name.name)` takes a value", at: f.name.span)
                continue
            }
            switch f.name.name {
            case "export":
                checkOptionList(e, choices: ["onnx", "safetensors"], what: "an export format")
            case "quantize":
                checkOptionList(e, choices: ["none", "f16", "int8"], what: "a weight storage type", single: true)
            case "models":
                hasModels = true
                let t = checkExpr(e, in: scope)
                // A retrieval policy in a device bundle's models stands for its sample classifier.
                if case .list(let el) = t, el.isModelLike || el == .any || (fleet && el == .retrieval) {} else if t != .any {
                    error(.wrongType, "`models` must be a list of models, found \(t)", at: e.span)
                }
                if fleet, case .list(let items) = e.kind {
                    for item in items {
                        let facts = placementFacts(of: item, in: scope)
                        if facts.cloudOnly {
                            error(.cloudOnlyInDeviceBundle, "`\(facts.origin ?? "this model")` is cloud-only and cannot ship in a device bundle",
                                  at: item.span, hint: "ship the device submodel and a distilled control model instead")
                        }
                    }
                }
            default:
                let t = checkExpr(e, in: scope)
                if !t.isAssignable(to: expected) {
                    error(.wrongType, "`\(f.name.name)` expects \(article(expected)), found \(t)", at: e.span)
                }
                if f.name.name == "index", fleet {
                    error(.cloudOnlyInDeviceBundle, "a retrieval index holds the cloud's sample pool and cannot ship to a device", at: e.span)
                }
            }
        }
        if !hasModels && !seen.contains("index") {
            error(.argumentCount, "a bundle needs `models: […]` (or an `index` for a cloud bundle)", at: role.span)
        }
    }

    /// A bare name, a string, or a list of them, each among `choices`.
    func checkOptionList(_ e: Expr, choices: [String], what: String, single: Bool = false) {
        func one(_ x: Expr) {
            var given: String?
            if case .name(let id) = x.kind { given = id.name }
            if case .none = x.kind { given = "none" }
            if case .string(let parts) = x.kind, parts.count == 1, case .text(let s) = parts[0] { given = s }
            record(x, .option)
            guard let g = given else {
                error(.wrongType, "expected \(what): \(choices.map { "`\($0)`" }.joined(separator: ", "))", at: x.span)
                return
            }
            if !choices.contains(g) {
                let hint = closestName(to: g, among: choices).map { "did you mean `\($0)`?" }
                error(.notAChoice, "`\(g)` is not \(what): expected \(choices.map { "`\($0)`" }.joined(separator: ", "))", at: x.span, hint: hint)
            }
        }
        if !single, case .list(let items) = e.kind { items.forEach(one) } else { one(e) }
        record(e, .option)
    }
}
