// The members of each kind of value: `m.features`, `base.cloud`, `d.train`, `coda.augment(…)`.
// Like the built-in catalog, one table serves the checker, the interpreter and completion.

public enum Members {
    /// Property names and types by receiver type.
    public static func properties(of t: DCLType) -> [String: DCLType] {
        switch t {
        case .model, .distill, .split, .plugin:
            var p: [String: DCLType] = [
                "features": .model, "head": .model, "stem": .model, "params": .int, "flops": .int,
                "input_shape": .list(.int), "output_shape": .list(.int), "name": .string,
            ]
            switch t {
            case .split: p["cloud"] = .model; p["device"] = .model
            case .distill: p["teacher"] = .model; p["student"] = .model
            case .plugin: p["backbone"] = .model; p["module"] = .model; p["memory"] = .int; p["min_memory"] = .int
            default: break
            }
            return p
        case .client:
            return ["train": .dataset, "test": .dataset, "index": .int]
        case .clients:
            return ["train": .clients, "test": .clients, "count": .int]
        case .role(let fleet):
            return fleet ? ["count": .int, "train": .clients, "test": .clients] : [:]
        case .dataset:
            return ["size": .int, "classes": .int, "columns": .list(.string), "users": .int, "items": .int]
        case .metrics:
            return ["loss": .float, "accuracy": .float, "top5": .float, "auc": .float, "logloss": .float,
                    "hit_rate": .float, "ndcg": .float, "mse": .float, "count": .int, "mean": .metrics, "std": .metrics,
                    "clients": .list(.metrics)]
        case .retrieval:
            return ["coarse": .strategy, "fine": .strategy]
        case .bundle:
            return ["models": .list(.model), "name": .string]
        default:
            return [:]
        }
    }

    /// Methods by receiver type.
    public static func method(of t: DCLType, named name: String) -> MethodSpec? {
        methods(of: t).first { $0.name == name }
    }

    public static func methods(of t: DCLType) -> [MethodSpec] {
        switch t {
        case .retrieval:
            return [
                MethodSpec("retrieve", [ParamSpec("client", .client), ParamSpec("pool", .dataset)],
                           returns: .dataset, doc: "coarse candidates for a device, from the cloud's pool (cloud side)"),
                MethodSpec("filter", [ParamSpec("client", .client), ParamSpec("candidates", .dataset)],
                           returns: .dataset, doc: "the candidates the device's fine filter keeps (device side)"),
                MethodSpec("augment", [ParamSpec("client", .client), ParamSpec("pool", .dataset)],
                           returns: .dataset, doc: "the device's local samples plus the kept candidates"),
            ]
        case .plugin:
            return [
                MethodSpec("reset", returns: .none, doc: "empties every client memory"),
            ]
        default:
            return []
        }
    }
}

/// A method of a value (`coda.augment(c, pool: …)`). Methods are looked up on their receiver's
/// type, not in the built-in catalog, so they are not `Builtin` cases.
public struct MethodSpec: Sendable {
    public let name: String
    public let params: [ParamSpec]
    public let returns: DCLType
    public let doc: String

    public init(_ name: String, _ params: [ParamSpec] = [], returns: DCLType, doc: String) {
        self.name = name
        self.params = params
        self.returns = returns
        self.doc = doc
    }
}
