// Members of run-time values (`m.features`, `base.cloud`, `d.train`, `r.accuracy` …). Which
// members exist and their types come from DCLSema's typed table (Catalog/Members.swift); this is
// their value, one exhaustive switch per family.

import DCLData
import DCLDiagnostics
import DCLSema

extension Evaluator {
    func runtimeMember(_ base: Value, _ name: String, span: SourceSpan, baseText: String) throws -> Value {
        // A role's declared fields (`cloud.data`) come before its own members.
        if case .role(let r) = base, let v = r.fields[name] { return v }
        let type = staticType(of: base)
        guard let member = Members.member(of: type, named: name) else {
            var available = Members.members(of: type).map(\.name)
            if case .role(let r) = base { available += r.fields.keys }
            throw RuntimeError(RuntimeCode.name, "a \(base.kindName) has no member `\(name)`", at: span,
                               hint: closestName(to: name, among: available).map { "did you mean `\($0)`?" })
        }
        return try value(of: member, on: base, span: span)
    }

    /// `member` of `base`; the member was looked up by `base`'s own type, so they agree.
    func value(of member: Member, on base: Value, span: SourceSpan) throws -> Value {
        switch member {
        case .model(let m):
            return try modelMember(try memberModel(of: base, span: span), m, span: span)
        case .split(let m):
            guard case .split(let s) = base else { break }
            switch m {
            case .cloud: return .model(s.cloud)
            case .device: return .model(s.device)
            }
        case .distill(let m):
            guard case .distill(let d) = base else { break }
            switch m {
            case .teacher: return .model(d.teacher)
            case .student: return .model(d.student)
            }
        case .plugin(let m):
            guard case .plugin(let p) = base else { break }
            switch m {
            case .backbone: return .model(p.backbone)
            case .module: return .model(p.module)
            case .memory: return .int(p.memory)
            case .minMemory: return .int(p.minMemory)
            }
        case .client(let m):
            guard case .client(let c) = base else { break }
            switch m {
            case .train: return .dataset(DataValue(c.data.train, side: c.side, origin: "\(c.origin).train", location: c.location(.train)))
            case .test: return .dataset(DataValue(c.data.test, side: c.side, origin: "\(c.origin).test", location: c.location(.test)))
            case .index: return .int(c.index)
            }
        case .clients(let m):
            guard case .clients(let c) = base else { break }
            switch m {
            case .train: return .clients(ClientsValue(c.federated, part: .train, side: c.side, origin: "\(c.origin).train", role: c.role,
                                                          tolerance: c.tolerance))
            case .test: return .clients(ClientsValue(c.federated, part: .test, side: c.side, origin: "\(c.origin).test", role: c.role,
                                                         tolerance: c.tolerance))
            case .count: return .int(c.federated.count)
            }
        case .role(let m):
            guard case .role(let r) = base else { break }
            switch m {
            case .count: return .int(r.count ?? 1)
            case .train, .test:
                // Check mode reads no data: the role's clients are unknown, and so is their part
                // (an error here would silently end the statement that asked, a whole loop).
                if case .unknown? = r.fields["data"] { return .unknown }
                guard case .clients(let c)? = r.fields["data"] else {
                    throw RuntimeError(RuntimeCode.name, "role `\(r.name)` has no partitioned data for `.\(m.rawValue)`", at: span)
                }
                return .clients(ClientsValue(c.federated, part: m == .train ? .train : .test, side: r.side, origin: "\(r.name).\(m.rawValue)",
                                             role: c.role, tolerance: c.tolerance))
            }
        case .dataset(let m):
            guard case .dataset(let d) = base else { break }
            switch m {
            case .size: return .int(d.dataset.count)
            case .classes:
                guard let c = d.dataset.classCount else {
                    throw RuntimeError(RuntimeCode.data, "`\(d.origin)` has no known number of classes", at: span)
                }
                return .int(c)
            case .columns: return .list(d.dataset.columnNames.map { .string($0) })
            case .users, .items:
                let column = m == .users ? "user" : "item"
                guard let v = d.dataset.vocabularies[column] else {
                    throw RuntimeError(RuntimeCode.data, "`\(d.origin)` has no `\(column)` ids", at: span)
                }
                return .int(v.count)
            }
        case .metrics(let m):
            guard case .metrics(let r) = base else { break }
            switch m {
            case .clients: return .list(r.clients.map { .metrics($0) })
            case .mean: return .metrics(MetricsValue(values: r.values))
            case .std: return .metrics(MetricsValue(values: r.std))
            case .loss, .accuracy, .top5, .auc, .logloss, .hitRate, .ndcg, .mse, .count:
                // A metric the data did not allow (AUC with one class) reads as `none`.
                guard let v = r[m.rawValue] else { return .none }
                return m == .count ? .int(Int(v)) : .float(v)
            }
        case .retrieval(let m):
            guard case .retrieval(let r) = base else { break }
            switch m {
            case .coarse: return .strategy(r.coarse)
            case .fine: return r.fine.map { .strategy($0) } ?? .none
            }
        case .bundle(let m):
            guard case .bundle(let b) = base else { break }
            switch m {
            case .models: return .list(b.models.map(\.value))
            case .name: return .string(b.name)
            }
        }
        throw RuntimeError(RuntimeCode.type, "a \(base.kindName) has no member `\(member.name)`", at: span)
    }

    /// The model whose members a model-like value shows: a split's fused model, a
    /// distillation's student, a plug-in's backbone.
    func memberModel(of v: Value, span: SourceSpan) throws -> ModelInstance {
        switch v {
        case .model(let m): return m
        case .distill(let d): return d.student
        case .plugin(let p): return p.backbone
        case .split(let s): return try elaborator.fusedModel([s.cloud, s.device], op: s.fuse, span: span, name: s.name)
        default: throw RuntimeError(RuntimeCode.type, "a \(v.kindName) is not a model", at: span)
        }
    }

    func modelMember(_ m: ModelInstance, _ member: ModelMember, span: SourceSpan) throws -> Value {
        switch member {
        case .features, .head, .stem: return .model(try m.view(member.rawValue, span: span))
        case .params: return .int(m.parameterCount)
        case .flops: return .int(m.flopsPerSample)
        case .inputShape: return .list(m.inputs.first.map { $0.shape.map { .int($0) } } ?? [])
        case .outputShape: return .list(m.outputShape.map { .int($0) })
        case .name: return .string(m.name)
        }
    }

    /// The model a model-like value stands for (a split's fused model, a plug-in's backbone+head).
    public func asModel(_ v: Value, span: SourceSpan) throws -> ModelInstance? {
        switch v {
        case .model(let m): return m
        case .distill(let d): return d.student
        case .split(let s): return try elaborator.fusedModel([s.cloud, s.device], op: s.fuse, span: span, name: s.name)
        default: return nil
        }
    }
}
