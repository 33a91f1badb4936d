// The members of each kind of value: `m.features`, `base.cloud`, `d.train`, `coda.augment(…)`.
// Like the built-in catalog (Builtin.swift), they are typed: one enum per kind of receiver, whose
// raw values are the script names, and one table that gives each its type. The checker, the
// interpreter, the runtime and completion all read this table, and every dispatch on a member
// is an exhaustive `switch` over its family — a member some switch forgot is a compile error.

/// A property of a value (`m.params`, `d.train`, `r.auc`), by the kind of value that has it.
public enum Member: Hashable, Sendable {
    /// Every model-like value's (models, splits, distillations, plug-ins).
    case model(ModelMember)
    case split(SplitMember)
    case distill(DistillMember)
    case plugin(PluginMember)
    /// One device of a fleet role (`d` in `for d in device`).
    case client(ClientMember)
    /// A role's partitioned data (`device.train`).
    case clients(ClientsMember)
    /// A fleet role's own members; its declared fields are looked up before these.
    case role(RoleMember)
    case dataset(DatasetMember)
    case metrics(MetricsMember)
    case retrieval(RetrievalMember)
    case bundle(BundleMember)

    /// The name a script writes.
    public var name: String {
        switch self {
        case .model(let m): return m.rawValue
        case .split(let m): return m.rawValue
        case .distill(let m): return m.rawValue
        case .plugin(let m): return m.rawValue
        case .client(let m): return m.rawValue
        case .clients(let m): return m.rawValue
        case .role(let m): return m.rawValue
        case .dataset(let m): return m.rawValue
        case .metrics(let m): return m.rawValue
        case .retrieval(let m): return m.rawValue
        case .bundle(let m): return m.rawValue
        }
    }

    /// The member's type.
    public var type: DCLType {
        switch self {
        case .model(let m):
            switch m {
            case .features, .head, .stem: return .model
            case .params, .flops: return .int
            case .inputShape, .outputShape: return .list(.int)
            case .name: return .string
            }
        case .split: return .model
        case .distill: return .model
        case .plugin(let m):
            switch m {
            case .backbone, .module: return .model
            case .memory, .minMemory: return .int
            }
        case .client(let m):
            switch m {
            case .train, .test: return .dataset
            case .index: return .int
            }
        case .clients(let m):
            switch m {
            case .train, .test: return .clients
            case .count: return .int
            }
        case .role(let m):
            switch m {
            case .train, .test: return .clients
            case .count: return .int
            }
        case .dataset(let m):
            switch m {
            case .size, .classes, .users, .items: return .int
            case .columns: return .list(.string)
            }
        case .metrics(let m):
            switch m {
            case .loss, .accuracy, .top5, .auc, .logloss, .hitRate, .ndcg, .mse: return .float
            case .count: return .int
            case .mean, .std: return .metrics
            case .clients: return .list(.metrics)
            }
        case .retrieval: return .strategy
        case .bundle(let m):
            switch m {
            case .models: return .list(.model)
            case .name: return .string
            }
        }
    }
}

public enum ModelMember: String, CaseIterable, Sendable {
    case features, head, stem, params, flops
    case inputShape = "input_shape", outputShape = "output_shape"
    case name
}

public enum SplitMember: String, CaseIterable, Sendable { case cloud, device }
public enum DistillMember: String, CaseIterable, Sendable { case teacher, student }

public enum PluginMember: String, CaseIterable, Sendable {
    case backbone, module, memory
    case minMemory = "min_memory"
}

public enum ClientMember: String, CaseIterable, Sendable { case train, test, index }
public enum ClientsMember: String, CaseIterable, Sendable { case train, test, count }
public enum RoleMember: String, CaseIterable, Sendable { case count, train, test }
public enum DatasetMember: String, CaseIterable, Sendable { case size, classes, columns, users, items }

/// A metrics value's members: the metrics `evaluate` can report (their raw values are the keys
/// it reports them under), the sample count, and the fleet views.
public enum MetricsMember: String, CaseIterable, Sendable {
    case loss, accuracy, top5, auc, logloss
    case hitRate = "hit_rate"
    case ndcg, mse, count, mean, std, clients
}

public enum RetrievalMember: String, CaseIterable, Sendable { case coarse, fine }
public enum BundleMember: String, CaseIterable, Sendable { case models, name }

/// A method of a value (`coda.augment(c, pool: …)`), by the kind of value that has it.
public enum Method: Hashable, Sendable {
    case retrieval(RetrievalMethod)
    case plugin(PluginMethod)

    public var name: String {
        switch self {
        case .retrieval(let m): return m.rawValue
        case .plugin(let m): return m.rawValue
        }
    }
}

public enum RetrievalMethod: String, CaseIterable, Sendable { case retrieve, filter, augment }
public enum PluginMethod: String, CaseIterable, Sendable { case reset }

public enum Members {
    /// The properties a value of type `t` has, in a fixed order (a kind's own first, then those
    /// every model-like value shares).
    public static func members(of t: DCLType) -> [Member] {
        let model = ModelMember.allCases.map(Member.model)
        switch t {
        case .model: return model
        case .split: return SplitMember.allCases.map(Member.split) + model
        case .distill: return DistillMember.allCases.map(Member.distill) + model
        case .plugin: return PluginMember.allCases.map(Member.plugin) + model
        case .client: return ClientMember.allCases.map(Member.client)
        case .clients: return ClientsMember.allCases.map(Member.clients)
        case .role(let fleet): return fleet ? RoleMember.allCases.map(Member.role) : []
        case .dataset: return DatasetMember.allCases.map(Member.dataset)
        case .metrics: return MetricsMember.allCases.map(Member.metrics)
        case .retrieval: return RetrievalMember.allCases.map(Member.retrieval)
        case .bundle: return BundleMember.allCases.map(Member.bundle)
        default: return []
        }
    }

    /// The property `name` of a value of type `t`, if it has one.
    public static func member(of t: DCLType, named name: String) -> Member? {
        members(of: t).first { $0.name == name }
    }

    /// Property names and types by receiver type.
    public static func properties(of t: DCLType) -> [String: DCLType] {
        Dictionary(members(of: t).map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
    }

    /// Methods by receiver type.
    public static func methods(of t: DCLType) -> [MethodSpec] {
        switch t {
        case .retrieval: return RetrievalMethod.allCases.map { spec(.retrieval($0)) }
        case .plugin: return PluginMethod.allCases.map { spec(.plugin($0)) }
        default: return []
        }
    }

    public static func method(of t: DCLType, named name: String) -> MethodSpec? {
        methods(of: t).first { $0.name == name }
    }

    /// A method's signature and documentation.
    public static func spec(_ method: Method) -> MethodSpec {
        switch method {
        case .retrieval(.retrieve):
            return MethodSpec(method, [ParamSpec("client", .client), ParamSpec("pool", .dataset)],
                              returns: .dataset, doc: "coarse candidates for a device, from the cloud's pool (cloud side)")
        case .retrieval(.filter):
            return MethodSpec(method, [ParamSpec("client", .client), ParamSpec("candidates", .dataset)],
                              returns: .dataset, doc: "the candidates the device's fine filter keeps (device side)")
        case .retrieval(.augment):
            return MethodSpec(method, [ParamSpec("client", .client), ParamSpec("pool", .dataset)],
                              returns: .dataset, doc: "the device's local samples plus the kept candidates")
        case .plugin(.reset):
            return MethodSpec(method, returns: .none, doc: "empties every client memory")
        }
    }
}

/// A method's signature (`coda.augment(c, pool: …)`). Methods are looked up on their receiver's
/// type, not in the built-in catalog, so they are not `Builtin` cases.
/// A class, like `BuiltinSpec` (immutable; shared rather than copied field by field).
public final class MethodSpec: Sendable {
    public let method: Method
    public let params: [ParamSpec]
    public let returns: DCLType
    public let doc: String

    public var name: String { method.name }

    public init(_ method: Method, _ params: [ParamSpec] = [], returns: DCLType, doc: String) {
        self.method = method
        self.params = params
        self.returns = returns
        self.doc = doc
    }
}
