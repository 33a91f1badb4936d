// A model instance: the forward graph a model's body elaborates into, and its own weights.
//
// Graphs are built per mode (training: batch norm updates running statistics and dropout is
// on; inference: neither) by re-running the elaboration recipe; both modes name parameters
// identically, so one weight store serves both. Composite models (sums, views, plug-ins,
// objectives) inline their parts' graphs and refer to the parts' stores — training a fused
// model updates its parts. Each instance belongs to one session's `ModelTable`, which gives it
// its id.

import DCLDiagnostics
import DCLGraph
import DCLTensor

/// Named tensors of one model instance: trainable weights and state (running statistics).
/// The engine's parameter store, so a model's weights run without copying.
public typealias WeightStore = ParameterStore

/// A model input: its name (a dataset column), per-sample shape and element type.
public struct ModelInput: Equatable {
    public var name: String
    public var shape: [Int]
    public var dtype: DType
    public init(name: String, shape: [Int], dtype: DType) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
    }
}

/// A forward graph with what its users need to know.
public struct ForwardGraph {
    public let graph: Graph
    /// Output name of the model's result.
    public static let output = "output"
    /// Output names of section taps: `section.features` …
    public static func tap(_ section: String) -> String { "section.\(section)" }
}

/// How a constructed model was made, so a vertical split can re-elaborate it at other widths.
public struct ModelRecipe {
    public let constructor: ConstructorRef
    public let arguments: [String: Value]
}

public final class ModelInstance {
    /// The session table it was made in (models derived from it are registered there too).
    public let table: ModelTable
    /// Unique in its table; names this instance's parameters inside composite graphs.
    public let id: ModelID
    public private(set) var name: String
    public let inputs: [ModelInput]
    /// Per-sample output shape.
    public let outputShape: [Int]
    public let weights: WeightStore
    /// Readable only on the cloud (a split's cloud half, or anything containing it).
    public var cloudOnly: Bool
    /// Which parameters `train` updates (nil: every trainable parameter).
    public let trainableSubset: Set<String>?
    /// Parameter names created in each section (`features`, `head`, `stem`), in creation order;
    /// a name may repeat (use them as a set).
    public let sectionParameters: [String: [String]]
    /// Section taps available in the forward graph.
    public let sections: [String]
    /// The parts a composite model inlines (for placement and weight sharing).
    public let parts: [ModelInstance]
    /// The constructor call that made it, if any.
    public let recipe: ModelRecipe?
    /// For a sum of models (`a + b`, a split's serving model): how the parts combine.
    public internal(set) var fuseOp: FuseOp?
    /// Check mode: the nodes of the inference graph each statement of the body added.
    public internal(set) var statementNodes: [StatementNodes] = []

    /// Compiled executors and the like, owned by the runtime, freed with the model.
    public var runtimeCache: [String: AnyObject] = [:]
    /// The history of the last `train`/`distill` that updated this model (`history(net)`).
    public var trainingHistory: Value?
    private let build: (Bool) throws -> OwnedGraph
    private var graphs: [Bool: OwnedGraph] = [:]
    private var costCache: [Int: CostReport] = [:]

    init(table: ModelTable, name: String, inputs: [ModelInput], outputShape: [Int], weights: WeightStore, cloudOnly: Bool = false,
         trainableSubset: Set<String>? = nil, sectionParameters: [String: [String]] = [:], sections: [String] = [],
         parts: [ModelInstance] = [], recipe: ModelRecipe? = nil, build: @escaping (Bool) throws -> OwnedGraph) {
        self.table = table
        self.id = table.allocateID()
        self.name = name
        self.inputs = inputs
        self.outputShape = outputShape
        self.weights = weights
        self.cloudOnly = cloudOnly
        self.trainableSubset = trainableSubset
        self.sectionParameters = sectionParameters
        self.sections = sections
        self.parts = parts
        self.recipe = recipe
        self.build = build
        table.register(self)
    }

    public func rename(_ n: String) { name = n }

    /// A composite model inlines parts and stores no weights of its own.
    public var isComposite: Bool { !parts.isEmpty }

    /// The stores its parameters live in: its own, or (composites) its parts'.
    public func ownedStores() -> [WeightStore] {
        isComposite ? parts.flatMap { $0.ownedStores() } : [weights]
    }

    /// The same model with a copy of the weights (not for composites: copy their parts).
    func copyingWeights(name: String) -> ModelInstance {
        let m = ModelInstance(table: table, name: name, inputs: inputs, outputShape: outputShape, weights: weights.copy(), cloudOnly: cloudOnly,
                              trainableSubset: trainableSubset, sectionParameters: sectionParameters, sections: sections,
                              parts: [], recipe: recipe, build: build)
        if let g = graphs[false] { m.cache(g, training: false) }
        if let g = graphs[true] { m.cache(g, training: true) }
        return m
    }

    /// The forward graph for a mode (built once per mode).
    public func forward(training: Bool) throws -> Graph { try ownedForward(training: training).graph }

    /// The forward graph for a mode with the owners of the parameters it inlined from other
    /// models (what binding its weights and exporting it need).
    public func ownedForward(training: Bool) throws -> OwnedGraph {
        if let g = graphs[training] { return g }
        let g = try build(training)
        graphs[training] = g
        return g
    }

    /// Seeds the graphs cache (the constructor already built the inference graph).
    func cache(_ g: OwnedGraph, training: Bool) { graphs[training] = g }

    public var inputSignature: [ModelInput] { inputs }
    public var inputDescription: String {
        inputs.map { "\($0.name): \($0.dtype.rawValue)\(formatShape($0.shape))" }.joined(separator: ", ")
    }
    public var outputDescription: String { formatShape(outputShape) }

    /// Number of trainable weights (running statistics excluded; a view counts its own).
    public var parameterCount: Int {
        guard let g = try? forward(training: false) else { return 0 }
        return g.parameters.filter { $0.trainable && (trainableSubset?.contains($0.name) ?? true) }
            .reduce(0) { saturatingSum([$0, saturatingProduct($1.shape)]) }
    }

    /// All stored elements: weights and state.
    public var storedCount: Int {
        guard let g = try? forward(training: false) else { return 0 }
        return g.parameters.reduce(0) { saturatingSum([$0, saturatingProduct($1.shape)]) }
    }

    /// FLOPs per sample of inference (a multiply-add counts 2).
    public var flopsPerSample: Int { (try? cost(batch: 1).totalFlops) ?? 0 }

    /// Cost of one inference pass at a batch size.
    public func cost(batch: Int) throws -> CostReport {
        if let c = costCache[batch] { return c }
        let c = try CostReport.make(try forward(training: false), bindings: ["N": batch])
        costCache[batch] = c
        return c
    }

    public var summaryLine: String {
        "model \(name) (\(formatShapeList(inputs.map(\.shape))) → \(formatShape(outputShape)), \(formatCountShort(parameterCount)) params)"
    }
}

func formatShapeList(_ shapes: [[Int]]) -> String {
    shapes.count == 1 ? formatShape(shapes[0]) : "(" + shapes.map(formatShape).joined(separator: ", ") + ")"
}

/// `61,706`.
func formatCountShort(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}
