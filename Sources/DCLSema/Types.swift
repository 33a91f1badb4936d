// The static types of dcl values. The checker infers them for every expression; `any` is the
// gradual escape hatch (an unannotated function parameter), compatible with everything, so a
// check the checker cannot make statically is left to the runtime, which makes every one.

public indirect enum DCLType: Hashable, Sendable, CustomStringConvertible {
    case any
    case int, float, bool, string, bytes, none
    case list(DCLType)
    /// A record with known fields (options records, metrics, `split` results).
    case record([String: DCLType])
    case range
    case tensor
    case layer
    /// A model instance (graph + weights).
    case model
    /// A model or block constructor (its signature lives with its symbol).
    case constructor
    case dataset
    /// Per-client datasets (`partition(…)`), iterable as `client`.
    case clients
    case client
    case split, distill, plugin, retrieval, bundle
    /// A role; `fleet` is true for `role device[N]`.
    case role(fleet: Bool)
    case optimizer, schedule, partitioner, metrics
    /// A retrieval component (`knn(…)`, `classifier(…)` …).
    case strategy
    /// A named constant of an option enumeration (`cosine`, `auc`).
    case option
    case function
    case module

    public var description: String {
        switch self {
        case .any: return "any"
        case .int: return "int"
        case .float: return "float"
        case .bool: return "bool"
        case .string: return "string"
        case .bytes: return "bytes"
        case .none: return "none"
        case .list(let t): return "list[\(t)]"
        case .record(let fields):
            if fields.isEmpty { return "record" }
            return "{" + fields.keys.sorted().map { "\($0): \(fields[$0]!)" }.joined(separator: ", ") + "}"
        case .range: return "range"
        case .tensor: return "tensor"
        case .layer: return "layer"
        case .model: return "model"
        case .constructor: return "model constructor"
        case .dataset: return "dataset"
        case .clients: return "clients"
        case .client: return "client"
        case .split: return "split"
        case .distill: return "distill"
        case .plugin: return "plugin"
        case .retrieval: return "retrieval"
        case .bundle: return "bundle"
        case .role(let fleet): return fleet ? "device role" : "role"
        case .optimizer: return "optimizer"
        case .schedule: return "schedule"
        case .partitioner: return "partitioner"
        case .metrics: return "metrics"
        case .strategy: return "retrieval strategy"
        case .option: return "option"
        case .function: return "function"
        case .module: return "module"
        }
    }

    /// Whether a value of type `self` may be used where `target` is expected.
    public func isAssignable(to target: DCLType) -> Bool {
        if self == target { return true }
        switch (self, target) {
        case (.any, _), (_, .any): return true
        // `none` stands for "no value yet" and is accepted everywhere; using it is a run-time error.
        case (.none, _): return true
        case (.int, .float): return true
        // Pattern values that behave as models: a distillation is its student, a split its fused
        // model, a plug-in its backbone with the plug-in head.
        case (.distill, .model), (.split, .model), (.plugin, .model): return true
        case (.list(let a), .list(let b)): return a.isAssignable(to: b)
        case (.record(let a), .record(let b)):
            // Width subtyping: every field the target names must be present and compatible;
            // an empty target record accepts any record.
            return b.allSatisfy { k, t in a[k].map { $0.isAssignable(to: t) } ?? false }
        case (.clients, .dataset): return false
        default: return false
        }
    }

    /// True for `int`, `float` and `any`.
    public var isNumeric: Bool {
        switch self {
        case .int, .float, .any: return true
        default: return false
        }
    }

    /// Types that behave as models when called or evaluated.
    public var isModelLike: Bool {
        switch self {
        case .model, .distill, .split, .plugin, .any: return true
        default: return false
        }
    }

    /// The element type when iterating with `for`, or nil if not iterable.
    public var elementType: DCLType? {
        switch self {
        case .list(let t): return t
        case .range: return .int
        case .clients, .role(fleet: true): return .client
        case .any: return .any
        case .string: return .string
        default: return nil
        }
    }

    /// The join of two types for `if` expressions and list literals.
    public func join(_ other: DCLType) -> DCLType {
        if self == other { return self }
        if self.isAssignable(to: other) { return other }
        if other.isAssignable(to: self) { return self }
        return .any
    }

    /// Parses a written type name (`int`, `list[float]`) — nil if unknown.
    public static func named(_ name: String, arguments: [DCLType]) -> DCLType? {
        switch (name, arguments.count) {
        case ("any", 0): return .any
        case ("int", 0), ("count", 0): return .int
        case ("float", 0): return .float
        case ("bool", 0): return .bool
        case ("string", 0): return .string
        case ("bytes", 0): return .bytes
        case ("none", 0): return DCLType.none
        case ("list", 0): return .list(.any)
        case ("list", 1): return .list(arguments[0])
        case ("record", 0): return .record([:])
        case ("range", 0): return .range
        case ("tensor", 0): return .tensor
        case ("layer", 0): return .layer
        case ("model", 0): return .model
        case ("dataset", 0): return .dataset
        case ("clients", 0): return .clients
        case ("client", 0): return .client
        case ("split", 0): return .split
        case ("distill", 0): return .distill
        case ("plugin", 0): return .plugin
        case ("retrieval", 0): return .retrieval
        case ("bundle", 0): return .bundle
        case ("role", 0): return .role(fleet: false)
        case ("optimizer", 0): return .optimizer
        case ("schedule", 0): return .schedule
        case ("partitioner", 0): return .partitioner
        case ("metrics", 0): return .metrics
        case ("strategy", 0): return .strategy
        case ("function", 0): return .function
        default: return nil
        }
    }

    /// The names `named(_:arguments:)` accepts, for "did you mean" hints.
    public static let writtenNames = ["any", "int", "count", "float", "bool", "string", "bytes", "none", "list",
                                      "record", "range", "tensor", "layer", "model", "dataset", "clients", "client",
                                      "split", "distill", "plugin", "retrieval", "bundle", "role", "optimizer",
                                      "schedule", "partitioner", "metrics", "strategy", "function"]
}
