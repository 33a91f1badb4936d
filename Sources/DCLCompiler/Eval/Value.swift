// Run-time values of dcl. The checker's `DCLType` describes them statically; `Value` is what
// the evaluator computes. During elaboration tensors are symbolic (graph values); during
// training they never reach the evaluator — compiled plans run them.

import DCLData
import DCLDiagnostics
import DCLSema
import DCLSyntax

public indirect enum Value {
    /// Not known without running (check mode: data, training results …).
    case unknown
    case int(Int)
    case float(Double)
    case bool(Bool)
    case string(String)
    /// A byte size (`1MiB`).
    case bytes(Int)
    case none
    case list([Value])
    case record(Record)
    /// The half-open integer range lo..<hi.
    case range(Int, Int)
    /// A tensor inside a model body or objective: a value of the graph being built.
    case tensor(SymbolicTensor)
    case layer(LayerValue)
    case model(ModelInstance)
    /// A model or block declaration, not yet called.
    case constructor(ConstructorRef)
    case function(FunctionValue)
    case dataset(DataValue)
    case clients(ClientsValue)
    case client(ClientValue)
    case split(SplitValue)
    case distill(DistillValue)
    case plugin(PluginValue)
    case retrieval(RetrievalValue)
    case role(RoleValue)
    case bundle(BundleValue)
    case optimizer(OptimizerSpec)
    case schedule(ScheduleSpec)
    case partitioner(PartitionScheme)
    case metrics(MetricsValue)
    case strategy(StrategySpec)
    /// A named choice (`cosine`, `mse`).
    case option(String)
    case module(DCLModule)

    /// The name of this value's kind, as messages and `str` print it.
    public var kindName: String {
        switch self {
        case .unknown: return "unknown"
        case .int: return "int"
        case .float: return "float"
        case .bool: return "bool"
        case .string: return "string"
        case .bytes: return "bytes"
        case .none: return "none"
        case .list: return "list"
        case .record: return "record"
        case .range: return "range"
        case .tensor: return "tensor"
        case .layer: return "layer"
        case .model: return "model"
        case .constructor(let c): return c.isBlock ? "block" : "model constructor"
        case .function: return "function"
        case .dataset: return "dataset"
        case .clients: return "clients"
        case .client: return "client"
        case .split: return "split"
        case .distill: return "distill"
        case .plugin: return "plugin"
        case .retrieval: return "retrieval"
        case .role: return "role"
        case .bundle: return "bundle"
        case .optimizer: return "optimizer"
        case .schedule: return "schedule"
        case .partitioner: return "partitioner"
        case .metrics: return "metrics"
        case .strategy: return "retrieval strategy"
        case .option: return "option"
        case .module: return "module"
        }
    }

    public var isUnknown: Bool {
        if case .unknown = self { return true }
        return false
    }
}

/// A record with fields in the order they were written (printing and `keys` keep it).
public struct Record {
    public private(set) var keys: [String] = []
    public private(set) var values: [String: Value] = [:]

    public init() {}
    public init(_ pairs: [(String, Value)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public subscript(key: String) -> Value? {
        get { values[key] }
        set {
            if values[key] == nil, newValue != nil { keys.append(key) }
            if newValue == nil { keys.removeAll { $0 == key } }
            values[key] = newValue
        }
    }

    public var fields: [(String, Value)] { keys.map { ($0, values[$0]!) } }
    public var count: Int { keys.count }
}

/// A reference to a `model` or `block` declaration and the module it lives in.
/// A class: values, layer values and model recipes pass it around, and a struct copy retained
/// every field of the declaration it holds.
public final class ConstructorRef {
    public let module: DCLModule
    public let model: ModelDecl?
    public let block: BlockDecl?
    public var isBlock: Bool { block != nil }
    public var name: String { model?.name.name ?? block!.name.name }

    public init(module: DCLModule, model: ModelDecl) { self.module = module; self.model = model; self.block = nil }
    public init(module: DCLModule, block: BlockDecl) { self.module = module; self.model = nil; self.block = block }
}

/// A callable that is not a layer or model: a user function, a built-in used as a value,
/// a partially applied transform (`scale(1/255)`), or a method bound to its receiver.
public enum FunctionValue {
    case user(FunctionDecl, DCLModule)
    case builtin(BuiltinSpec)
    /// A transform with its arguments bound, waiting for the dataset (`|> scale(1/255)`).
    case transform(BuiltinSpec, BoundArguments, span: SourceSpan)
    case method(receiver: Value, MethodSpec)

    public var name: String {
        switch self {
        case .user(let f, _): return f.name.name
        case .builtin(let s), .transform(let s, _, _): return s.name
        case .method(_, let m): return m.name
        }
    }
}

/// Which side of the device-cloud boundary a run-time value lives on.
public enum RuntimeSide: String, Sendable {
    case cloud, device
}

/// A dataset with the side it lives on (nil: not tied to a role).
public final class DataValue {
    public let dataset: Dataset
    public let side: RuntimeSide?
    /// A description for messages (`cloud.data`, `d.train`).
    public let origin: String
    /// Which device's part this is, when it is one device's own data as its role declares it
    /// (`d.train` in `for d in device`): a deployed run sends work on it to that device's host.
    /// Nil for anything derived from it (`d.train |> take(10)`): see `derivation`.
    public let location: DeviceDataLocation?
    /// How device-side data was made from one device's part (DeviceDerivation.swift): what
    /// the device's host repeats to hold the same samples. Nil for data no device holds.
    public let derivation: DeviceDerivation?
    public init(_ dataset: Dataset, side: RuntimeSide?, origin: String, location: DeviceDataLocation? = nil,
                derivation: DeviceDerivation? = nil) {
        self.dataset = dataset
        self.side = side
        self.origin = origin
        self.location = location
        self.derivation = derivation ?? location.map { .part($0) }
    }
}

/// One device's part of its role's data: the role, the device's index in it and the part.
public struct DeviceDataLocation: Equatable, Sendable {
    public let role: String
    public let device: Int
    public let part: ClientPart
    public init(role: String, device: Int, part: ClientPart) {
        self.role = role
        self.device = device
        self.part = part
    }
}

public final class ClientsValue {
    public let federated: FederatedDataset
    /// `.all`, `.train` or `.test` view of every client.
    public let part: ClientPart
    public let side: RuntimeSide?
    public let origin: String
    /// The device role whose `data` these clients are (every device's part of it); nil for
    /// clients no role declares, or derived from a role's.
    public let role: String?
    /// The role's `round { … }`, if it declares one.
    public let tolerance: RoundTolerance?
    public init(_ federated: FederatedDataset, part: ClientPart, side: RuntimeSide?, origin: String, role: String? = nil,
                tolerance: RoundTolerance? = nil) {
        self.federated = federated
        self.part = part
        self.side = side
        self.origin = origin
        self.role = role
        self.tolerance = tolerance
    }
}

public final class ClientValue {
    public let index: Int
    public let data: ClientData
    public let side: RuntimeSide?
    public let origin: String
    /// The device role this is one device of (`for d in device`); nil for a client of a
    /// partitioned data set that no role declares.
    public let role: String?
    public init(index: Int, data: ClientData, side: RuntimeSide?, origin: String, role: String? = nil) {
        self.index = index
        self.data = data
        self.side = side
        self.origin = origin
        self.role = role
    }

    /// Where this device's part lives, when it is a device of a role.
    public func location(_ part: ClientPart) -> DeviceDataLocation? {
        guard side == .device, let role else { return nil }
        return DeviceDataLocation(role: role, device: index, part: part)
    }
}
