// Members of run-time values (`m.features`, `base.cloud`, `d.train`, `r.accuracy` …). The
// names and types come from DCLSema's `Members` table; this is their value.

import DCLData
import DCLDiagnostics
import DCLSema

extension Evaluator {
    func runtimeMember(_ base: Value, _ name: String, span: SourceSpan, baseText: String) throws -> Value {
        func missing(_ available: [String]) -> RuntimeError {
            RuntimeError(RuntimeCode.name, "a \(base.kindName) has no member `\(name)`", at: span,
                         hint: closestName(to: name, among: available).map { "did you mean `\($0)`?" })
        }
        switch base {
        case .split(let s):
            switch name {
            case "cloud": return .model(s.cloud)
            case "device": return .model(s.device)
            default: return try modelMember(try elaborator.fusedModel([s.cloud, s.device], op: s.fuse, span: span, name: s.name), name, span: span)
            }
        case .distill(let d):
            switch name {
            case "teacher": return .model(d.teacher)
            case "student": return .model(d.student)
            default: return try modelMember(d.student, name, span: span)
            }
        case .plugin(let p):
            switch name {
            case "backbone": return .model(p.backbone)
            case "module": return .model(p.module)
            case "memory": return .int(p.memory)
            case "min_memory": return .int(p.minMemory)
            default: return try modelMember(p.backbone, name, span: span)
            }
        case .model(let m):
            return try modelMember(m, name, span: span)
        case .client(let c):
            switch name {
            case "train", "test":
                let part: ClientPart = name == "train" ? .train : .test
                return .dataset(DataValue(part == .train ? c.data.train : c.data.test, side: c.side, origin: "\(c.origin).\(name)",
                                          location: c.location(part)))
            case "index": return .int(c.index)
            default: throw missing(["train", "test", "index"])
            }
        case .clients(let c):
            switch name {
            case "train": return .clients(ClientsValue(c.federated, part: .train, side: c.side, origin: "\(c.origin).train", role: c.role,
                                                           tolerance: c.tolerance))
            case "test": return .clients(ClientsValue(c.federated, part: .test, side: c.side, origin: "\(c.origin).test", role: c.role,
                                                          tolerance: c.tolerance))
            case "count": return .int(c.federated.count)
            default: throw missing(["train", "test", "count"])
            }
        case .role(let r):
            if let v = r.fields[name] { return v }
            switch name {
            case "count": return .int(r.count ?? 1)
            case "train", "test":
                // Check mode reads no data: the role's clients are unknown, and so is their part
                // (an error here would silently end the statement that asked, a whole loop).
                if case .unknown? = r.fields["data"] { return .unknown }
                guard case .clients(let c)? = r.fields["data"] else {
                    throw RuntimeError(RuntimeCode.name, "role `\(r.name)` has no partitioned data for `.\(name)`", at: span)
                }
                return .clients(ClientsValue(c.federated, part: name == "train" ? .train : .test, side: r.side, origin: "\(r.name).\(name)",
                                             role: c.role, tolerance: c.tolerance))
            default: throw missing(r.fields.keys + ["count"])
            }
        case .dataset(let d):
            switch name {
            case "size": return .int(d.dataset.count)
            case "classes":
                guard let c = d.dataset.classCount else {
                    throw RuntimeError(RuntimeCode.data, "`\(d.origin)` has no known number of classes", at: span)
                }
                return .int(c)
            case "columns": return .list(d.dataset.columnNames.map { .string($0) })
            case "users", "items":
                let column = name == "users" ? "user" : "item"
                guard let v = d.dataset.vocabularies[column] else {
                    throw RuntimeError(RuntimeCode.data, "`\(d.origin)` has no `\(column)` ids", at: span)
                }
                return .int(v.count)
            default: throw missing(["size", "classes", "columns", "users", "items"])
            }
        case .metrics(let m):
            switch name {
            case "clients": return .list(m.clients.map { .metrics($0) })
            case "mean": return .metrics(MetricsValue(values: m.values))
            case "std": return .metrics(MetricsValue(values: m.std))
            default:
                guard let v = m[name] else {
                    // A metric the data did not allow (AUC with one class) reads as `none`.
                    if Members.properties(of: .metrics)[name] != nil { return .none }
                    throw missing(m.values.map(\.0) + ["clients", "mean", "std"])
                }
                return name == "count" ? .int(Int(v)) : .float(v)
            }
        case .retrieval(let r):
            switch name {
            case "coarse": return .strategy(r.coarse)
            case "fine": return r.fine.map { .strategy($0) } ?? .none
            default: throw missing(["coarse", "fine"])
            }
        case .bundle(let b):
            switch name {
            case "models": return .list(b.models.map(\.value))
            case "name": return .string(b.name)
            default: throw missing(["models", "name"])
            }
        default:
            throw RuntimeError(RuntimeCode.name, "a \(base.kindName) has no member `\(name)`", at: span)
        }
    }

    func modelMember(_ m: ModelInstance, _ name: String, span: SourceSpan) throws -> Value {
        switch name {
        case "features", "head", "stem":
            return .model(try m.view(name, span: span))
        case "params": return .int(m.parameterCount)
        case "flops": return .int(m.flopsPerSample)
        case "input_shape": return .list(m.inputs.first.map { $0.shape.map { .int($0) } } ?? [])
        case "output_shape": return .list(m.outputShape.map { .int($0) })
        case "name": return .string(m.name)
        default:
            throw RuntimeError(RuntimeCode.name, "a model has no member `\(name)`", at: span,
                               hint: closestName(to: name, among: ["features", "head", "stem", "params", "flops", "input_shape", "output_shape", "name"])
                                   .map { "did you mean `\($0)`?" })
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
