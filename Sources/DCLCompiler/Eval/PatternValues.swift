// Values of the declarations that make dcl's patterns first-class: splits, distillations,
// plug-ins, retrieval policies, roles and bundles — plus optimiser, schedule and metric values.

import DCLData
import DCLDiagnostics
import DCLSema
import DCLSyntax

/// A layer spec: a built-in with its hyperparameters, a block with its arguments, a
/// composition (`conv2d(6, 5) |> relu`), or a model instance used as a layer.
public final class LayerValue {
    public enum Kind {
        case builtin(BuiltinLayerCall)
        case block(ConstructorRef, BoundArguments)
        case composed([LayerValue])
        case model(ModelInstance)
    }
    public let kind: Kind
    /// Where the layer was written (errors during elaboration point here).
    public let span: SourceSpan

    public init(_ kind: Kind, span: SourceSpan) {
        self.kind = kind
        self.span = span
    }

    public var name: String {
        switch kind {
        case .builtin(let b): return b.spec.name
        case .block(let c, _): return c.name
        case .composed(let ls): return ls.map(\.name).joined(separator: " |> ")
        case .model(let m): return m.name
        }
    }
}

/// A built-in layer and its bound hyperparameters. It holds the layer itself, not the whole
/// `Builtin`, so lowering switches over layers only and the compiler checks that it is total.
public struct BuiltinLayerCall {
    public let layer: LayerBuiltin
    public let spec: BuiltinSpec
    public let arguments: BoundArguments
    public init(_ layer: LayerBuiltin, arguments: BoundArguments) {
        self.init(layer, spec: Builtins.spec(.layer(layer)), arguments: arguments)
    }

    /// With the catalog entry already at hand (`spec` is `layer`'s).
    init(_ layer: LayerBuiltin, spec: BuiltinSpec, arguments: BoundArguments) {
        self.layer = layer
        self.spec = spec
        self.arguments = arguments
    }
}

/// How a vertical split combines its halves' outputs.
public enum FuseOp: String {
    case sum, mean
}

/// DC-CCL's vertical split: a cloud submodel and a device co-submodel on the same input.
public final class SplitValue {
    public let name: String
    public let cloud: ModelInstance
    public let device: ModelInstance
    public let fuse: FuseOp
    /// The width form's device share (nil for a heterogeneous pair).
    public let deviceWidth: Double?
    public init(name: String, cloud: ModelInstance, device: ModelInstance, fuse: FuseOp, deviceWidth: Double?) {
        self.name = name
        self.cloud = cloud
        self.device = device
        self.fuse = fuse
        self.deviceWidth = deviceWidth
    }
}

public enum DistillLoss: String {
    case mse, kl
}

/// A student that learns to mimic a frozen teacher.
public final class DistillValue {
    public let name: String
    public let teacher: ModelInstance
    public let student: ModelInstance
    public let loss: DistillLoss
    public let temperature: Double
    public init(name: String, teacher: ModelInstance, student: ModelInstance, loss: DistillLoss, temperature: Double) {
        self.name = name
        self.teacher = teacher
        self.student = student
        self.loss = loss
        self.temperature = temperature
    }
}

/// An ICIIA-style plug-in head over a frozen backbone, with per-client feature memories.
public final class PluginValue {
    public let name: String
    public let backbone: ModelInstance
    /// The plug-in head: input = the backbone's features [N, d], output = logits.
    public let module: ModelInstance
    public let attachPoint: String
    public let memory: Int
    public let minMemory: Int
    /// Each client's FIFO of recent feature vectors (empty in a fresh plug-in).
    public var memories: [Int: [[Float]]] = [:]
    public init(name: String, backbone: ModelInstance, module: ModelInstance, attachPoint: String, memory: Int, minMemory: Int) {
        self.name = name
        self.backbone = backbone
        self.module = module
        self.attachPoint = attachPoint
        self.memory = memory
        self.minMemory = minMemory
    }
}

/// A CoDA retrieval component.
public enum StrategySpec {
    case knn(model: ModelInstance, input: String, metric: String, users: Int)
    case overlap(users: Int)
    case randomUsers(users: Int, seed: Int?)
    case classifier(hidden: [Int], threshold: Double, epochs: Int, lr: Double)
    case greedy(metric: String, epochs: Int, model: ModelInstance?)

    public var name: String {
        switch self {
        case .knn: return "knn"
        case .overlap: return "overlap"
        case .randomUsers: return "random_users"
        case .classifier: return "classifier"
        case .greedy: return "greedy"
        }
    }
}

/// CoDA's retrieval policy: coarse matching on the cloud, fine filtering on the device.
public final class RetrievalValue {
    public let name: String
    public let coarse: StrategySpec
    public let fine: StrategySpec?
    public init(name: String, coarse: StrategySpec, fine: StrategySpec?) {
        self.name = name
        self.coarse = coarse
        self.fine = fine
    }
}

/// A declared budget (nil fields are unconstrained).
public struct Budget: Equatable {
    public var params: Int?
    public var flops: Int?
    public var memory: Int?
    public var storage: Int?
    public var span: SourceSpan
    public init(params: Int? = nil, flops: Int? = nil, memory: Int? = nil, storage: Int? = nil, span: SourceSpan = .none) {
        self.params = params
        self.flops = flops
        self.memory = memory
        self.storage = storage
        self.span = span
    }
}

/// `role cloud { … }` or `role device[N] { … }`.
public final class RoleValue {
    public let name: String
    /// nil for the cloud; the number of devices for a fleet.
    public let count: Int?
    public var fields: Record
    public let budget: Budget?
    /// `round { … }`: how a deployed run's rounds over this fleet tolerate silent devices.
    public let round: RoundTolerance?
    public let span: SourceSpan
    public init(name: String, count: Int?, fields: Record, budget: Budget?, round: RoundTolerance? = nil, span: SourceSpan) {
        self.name = name
        self.count = count
        self.fields = fields
        self.budget = budget
        self.round = round
        self.span = span
    }
    public var side: RuntimeSide { count == nil ? .cloud : .device }
}

/// A fleet role's `round { min_responses: 0.9, timeout: 30s }`: in a deployed run, work sent
/// to all its devices at once (`evaluate(m, on: device.test)`) closes after `timeout` with the
/// devices that answered, if they are at least `minResponses` of them; the others are reported
/// as dropped and left out, never counted as zeros.
public struct RoundTolerance: Equatable, Sendable {
    public var minResponses: Double
    /// Seconds; nil: the service's `--task-timeout`.
    public var timeout: Double?
    public init(minResponses: Double = 1, timeout: Double? = nil) {
        self.minResponses = minResponses
        self.timeout = timeout
    }
}

/// `bundle phone for device { models: […] }`.
public final class BundleValue {
    public let name: String
    public let role: RoleValue
    public let models: [(expression: String, value: Value)]
    public let exports: [String]
    public let quantize: String
    public let index: RetrievalValue?
    public let span: SourceSpan
    public init(name: String, role: RoleValue, models: [(expression: String, value: Value)], exports: [String], quantize: String,
                index: RetrievalValue?, span: SourceSpan) {
        self.name = name
        self.role = role
        self.models = models
        self.exports = exports
        self.quantize = quantize
        self.index = index
        self.span = span
    }
}

public enum OptimizerSpec {
    /// `lazy`: row-sparse gradients and updates for embedding tables (TrainingConfig.sparseEmbeddings).
    case sgd(lr: Double, momentum: Double, nesterov: Bool, weightDecay: Double, lazy: Bool = true)
    case adam(lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double, decoupled: Bool, lazy: Bool = true)

    public var learningRate: Double {
        switch self {
        case .sgd(let lr, _, _, _, _), .adam(let lr, _, _, _, _, _, _): return lr
        }
    }

    public var lazy: Bool {
        switch self {
        case .sgd(_, _, _, _, let lazy), .adam(_, _, _, _, _, _, let lazy): return lazy
        }
    }
}

public indirect enum ScheduleSpec {
    case constant
    case step(every: Int, gamma: Double)
    case cosine(minLR: Double)
    case warmup(steps: Int, then: ScheduleSpec)
}

/// The result of `evaluate`: named metrics, and for clients a per-client breakdown.
public final class MetricsValue {
    public var values: [(String, Double)]
    public var clients: [MetricsValue]
    public var std: [(String, Double)]
    public init(values: [(String, Double)], clients: [MetricsValue] = [], std: [(String, Double)] = []) {
        self.values = values
        self.clients = clients
        self.std = std
    }
    public subscript(name: String) -> Double? { values.first { $0.0 == name }?.1 }
}
