// Every built-in as a type: one case per name a script can call, grouped by kind so that each
// consumer (checker, interpreter, elaborator, runtime) switches over the family it implements
// and the compiler proves the switch total. The catalog (BuiltinSpec.swift) is keyed by these
// cases; a name is turned into a case once, at lookup, and never compared as a string again.
//
// Adding a built-in: add a case to its family below (raw value = the script name), add its
// `BuiltinSpec` to the catalog, and build — every switch that must handle it stops compiling
// until it does.

/// A built-in: its kind is the family it belongs to, its raw value the name scripts write.
public enum Builtin: Hashable, Sendable {
    case layer(LayerBuiltin)
    case tensorOp(TensorOpBuiltin)
    case loss(LossBuiltin)
    case script(ScriptBuiltin)
    case dataSource(DataSourceBuiltin)
    case transform(TransformBuiltin)
    case partitioner(PartitionerBuiltin)
    case optimizer(OptimizerBuiltin)
    case schedule(ScheduleBuiltin)
    case model(ModelBuiltin)
    case pattern(PatternBuiltin)
    case output(OutputBuiltin)

    public var kind: BuiltinKind {
        switch self {
        case .layer: return .layer
        case .tensorOp: return .tensorOp
        case .loss: return .loss
        case .script: return .script
        case .dataSource: return .dataSource
        case .transform: return .transform
        case .partitioner: return .partitioner
        case .optimizer: return .optimizer
        case .schedule: return .schedule
        case .model: return .model
        case .pattern: return .pattern
        case .output: return .output
        }
    }
}

extension Builtin: RawRepresentable, CaseIterable {
    /// The name a script writes (`leaky_relu`).
    public var rawValue: String {
        switch self {
        case .layer(let b): return b.rawValue
        case .tensorOp(let b): return b.rawValue
        case .loss(let b): return b.rawValue
        case .script(let b): return b.rawValue
        case .dataSource(let b): return b.rawValue
        case .transform(let b): return b.rawValue
        case .partitioner(let b): return b.rawValue
        case .optimizer(let b): return b.rawValue
        case .schedule(let b): return b.rawValue
        case .model(let b): return b.rawValue
        case .pattern(let b): return b.rawValue
        case .output(let b): return b.rawValue
        }
    }

    /// The built-in a script name denotes; nil for any other name.
    public init?(rawValue: String) {
        guard let b = Builtin.byName[rawValue] else { return nil }
        self = b
    }

    /// Every built-in, family by family in `BuiltinKind` order.
    public static let allCases: [Builtin] =
        LayerBuiltin.allCases.map(Builtin.layer) + TensorOpBuiltin.allCases.map(Builtin.tensorOp)
        + LossBuiltin.allCases.map(Builtin.loss) + ScriptBuiltin.allCases.map(Builtin.script)
        + DataSourceBuiltin.allCases.map(Builtin.dataSource) + TransformBuiltin.allCases.map(Builtin.transform)
        + PartitionerBuiltin.allCases.map(Builtin.partitioner) + OptimizerBuiltin.allCases.map(Builtin.optimizer)
        + ScheduleBuiltin.allCases.map(Builtin.schedule) + ModelBuiltin.allCases.map(Builtin.model)
        + PatternBuiltin.allCases.map(Builtin.pattern) + OutputBuiltin.allCases.map(Builtin.output)

    /// Names are unique across families (a test checks it), so a name denotes one built-in.
    private static let byName: [String: Builtin] = {
        var d: [String: Builtin] = [:]
        for b in allCases {
            precondition(d[b.rawValue] == nil, "built-in name `\(b.rawValue)` used by two families")
            d[b.rawValue] = b
        }
        return d
    }()
}

extension Builtin: CustomStringConvertible {
    public var description: String { rawValue }
}

// MARK: - The families

public enum LayerBuiltin: String, Sendable, CaseIterable {
    case linear, plinear, conv2d, depthwise, batchnorm, layernorm, embedding, relu, leakyRelu = "leaky_relu", gelu
    case sigmoid, tanh, identity, softmax, logSoftmax = "log_softmax", dropout, maxpool, avgpool
    case globalAvgpool = "global_avgpool", flatten, reshape, permute, positionEmbedding = "position_embedding"
    case channelShuffle = "channel_shuffle", slice, sum, mean, max, min
}

public enum TensorOpBuiltin: String, Sendable, CaseIterable {
    case matmul, concat, stop, exp, log, sqrt, abs, pow, shape, cosineSimilarity = "cosine_similarity", argmax
}

public enum LossBuiltin: String, Sendable, CaseIterable {
    case crossEntropy = "cross_entropy", bce, mse, kl
}

public enum ScriptBuiltin: String, Sendable, CaseIterable {
    case len, str, int, float, round, floor, ceil, div, std, sort, reverse, zip, keys, join, table, assert, claim, clock
    case seed
}

public enum DataSourceBuiltin: String, Sendable, CaseIterable {
    case idx, csv, npy, movielens, cifar10, images, storePool = "store_pool"
}

public enum TransformBuiltin: String, Sendable, CaseIterable {
    case scale, normalize, randomCrop = "random_crop", hflip, shuffle, take, drop, holdout, timeSplit = "time_split"
    case withNegatives = "with_negatives", oneHot = "one_hot", select, filterLabels = "filter_labels", partition
}

public enum PartitionerBuiltin: String, Sendable, CaseIterable {
    case iid, labelSubset = "label_subset", dirichlet, classGroups = "class_groups", byUser = "by_user"
}

public enum OptimizerBuiltin: String, Sendable, CaseIterable {
    case sgd, adam, adamw
}

public enum ScheduleBuiltin: String, Sendable, CaseIterable {
    case constant, step, cosine, warmup
}

public enum ModelBuiltin: String, Sendable, CaseIterable {
    case evaluate, copy, average, assign, summary, cost, reinit, history
}

public enum PatternBuiltin: String, Sendable, CaseIterable {
    case vertical, attach, knn, overlap, randomUsers = "random_users", classifier, greedy
}

public enum OutputBuiltin: String, Sendable, CaseIterable {
    case plot, predict, confusionMatrix = "confusion_matrix", classAccuracy = "class_accuracy"
}

// MARK: - Narrower views a consumer switches over

/// The four layers that also reduce numbers and lists (`sum([1, 2])`, `max(a, b)`).
public enum ReductionLayer: String, Sendable, CaseIterable {
    case sum, mean, max, min
}

extension LayerBuiltin {
    /// The reduction this layer is, if it is one; every layer is listed so a new one must choose.
    public var reduction: ReductionLayer? {
        switch self {
        case .sum: return .sum
        case .mean: return .mean
        case .max: return .max
        case .min: return .min
        case .linear, .plinear, .conv2d, .depthwise, .batchnorm, .layernorm, .embedding, .relu, .leakyRelu, .gelu,
             .sigmoid, .tanh, .identity, .softmax, .logSoftmax, .dropout, .maxpool, .avgpool, .globalAvgpool, .flatten,
             .reshape, .permute, .positionEmbedding, .channelShuffle, .slice:
            return nil
        }
    }
}

extension ReductionLayer {
    /// The layer that is this reduction.
    public var layer: LayerBuiltin {
        switch self {
        case .sum: return .sum
        case .mean: return .mean
        case .max: return .max
        case .min: return .min
        }
    }
}
