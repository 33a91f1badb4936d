// The plain Swift description of a bundle that the compiler fills in and `BundleWriter`
// writes: which role it is for, its budget, its weight storage, and each model with its graph
// text, ONNX bytes, parameters and measured costs. Nothing here knows about zip or JSON.

import DCLTensor

/// Whether a bundle runs in the cloud or on devices.
public enum RoleKind: String, Sendable, Hashable, Codable, CaseIterable {
    case cloud
    case device
}

/// The role a bundle is for: `role device[50] { … }` is named "device", of kind `.device`.
public struct RoleDescription: Sendable, Hashable {
    public var name: String
    public var kind: RoleKind
    public init(name: String, kind: RoleKind) {
        self.name = name
        self.kind = kind
    }
}

/// The budget fields of a role (the checker's `BudgetField`), with the unit each counts.
public enum BudgetMetric: String, Sendable, Hashable, Codable, CaseIterable {
    /// Parameters of each model (the largest model is measured).
    case params
    /// FLOPs per sample of each model, a multiply-add counting 2 (the largest is measured).
    case flops
    /// Peak memory of each model at batch 1, weights + activations (the largest is measured).
    case memory
    /// Bytes of the bundle's payload: every entry but `manifest.json`, uncompressed. The file
    /// adds zip headers and the manifest, typically a few KiB.
    case storage

    /// Byte sizes print as bytes, counts as counts.
    public var isBytes: Bool { self == .memory || self == .storage }
}

/// One declared budget limit. `measured` overrides the writer's own aggregation (see
/// `BudgetMetric`) when the compiler measures differently.
public struct BudgetLimit: Sendable, Hashable {
    public var metric: BudgetMetric
    public var limit: Int
    public var measured: Int?
    public init(_ metric: BudgetMetric, limit: Int, measured: Int? = nil) {
        self.metric = metric
        self.limit = limit
        self.measured = measured
    }
}

/// A model input or output: name, per-sample shape (the batch dimension "N" is implied in
/// front), element type.
public struct TensorSignature: Sendable, Hashable {
    public var name: String
    /// The shape of one sample, without the batch dimension.
    public var sampleShape: [Int]
    public var dtype: DType
    public init(name: String, sampleShape: [Int], dtype: DType = .float32) {
        self.name = name
        self.sampleShape = sampleShape
        self.dtype = dtype
    }

    /// The ONNX element type of `dtype`.
    public var onnxType: ONNXDataType { dtype == .float32 ? .float : .int32 }
}

/// A model's measured costs, from the compiler's cost model and memory plan.
public struct ModelMetrics: Sendable, Hashable {
    public var params: Int
    /// FLOPs for one sample (a multiply-add counts 2).
    public var flopsPerSample: Int
    /// Peak bytes at batch 1 (weights + activations), from the static memory plan.
    public var peakMemoryBytes: Int
    public init(params: Int, flopsPerSample: Int, peakMemoryBytes: Int) {
        self.params = params
        self.flopsPerSample = flopsPerSample
        self.peakMemoryBytes = peakMemoryBytes
    }
}

/// One named parameter of a model.
public struct ModelParameter: Sendable {
    public var name: String
    public var tensor: Tensor
    /// The output-channel axis, used by per-channel int8 (0 for `[out, in]` and conv kernels).
    public var channelAxis: Int?
    public init(name: String, tensor: Tensor, channelAxis: Int? = nil) {
        self.name = name
        self.tensor = tensor
        self.channelAxis = channelAxis
    }
}

/// One model of a bundle.
public struct ModelDescription: Sendable {
    /// The model's name in the script (`control`, `base.device`); entry names derive from it.
    public var name: String
    /// The graph IR's text form (opaque to the bundle layer).
    public var graphText: String
    /// `MODEL.onnx`'s bytes, or nil to ship no ONNX file for this model. Build them with
    /// `makeONNXBuilder(weightStorage:)` so the initialisers match `weights.safetensors`.
    public var onnx: [UInt8]?
    public var inputs: [TensorSignature]
    public var outputs: [TensorSignature]
    public var parameters: [ModelParameter]
    public var metrics: ModelMetrics
    /// For narrowed weights: how far the model's outputs move on a probe batch
    /// (`QuantizationProbe`); nil for float32 storage.
    public var outputError: QuantizationError?

    public init(name: String, graphText: String, onnx: [UInt8]?, inputs: [TensorSignature], outputs: [TensorSignature],
                parameters: [ModelParameter], metrics: ModelMetrics) {
        self.name = name
        self.graphText = graphText
        self.onnx = onnx
        self.inputs = inputs
        self.outputs = outputs
        self.parameters = parameters
        self.metrics = metrics
    }

    /// An ONNX builder with this model's inputs and outputs declared (batch dimension "N") and
    /// every parameter added as a weight under `weightStorage` — the lowering then adds the
    /// nodes that produce the outputs and calls `build`.
    public func makeONNXBuilder(weightStorage: WeightStorage) throws -> ONNXGraphBuilder {
        var b = ONNXGraphBuilder(name: name, weightStorage: weightStorage)
        for i in inputs { try b.addInput(i.name, elementType: i.onnxType, shape: ONNXDimension.batched(i.sampleShape)) }
        for p in parameters { try b.addWeight(p.name, tensor: p.tensor, channelAxis: p.channelAxis) }
        for o in outputs { try b.addOutput(o.name, elementType: o.onnxType, shape: ONNXDimension.batched(o.sampleShape)) }
        return b
    }
}

/// Everything `BundleWriter` needs to write one `.dclb`.
public struct BundleDescription: Sendable {
    /// The bundle's name in the script (`bundle phone for device` → "phone").
    public var name: String
    public var role: RoleDescription
    public var budget: [BudgetLimit]
    public var weightStorage: WeightStorage
    public var models: [ModelDescription]
    /// The dcl version writing the bundle (the driver's `dclVersion`).
    public var dclVersion: String
    /// How the models serve the script's patterns (written to the manifest's `patterns`).
    public var patterns: [BundleManifest.Pattern]

    public init(name: String, role: RoleDescription, budget: [BudgetLimit] = [], weightStorage: WeightStorage = .float32,
                models: [ModelDescription], dclVersion: String, patterns: [BundleManifest.Pattern] = []) {
        self.name = name
        self.role = role
        self.budget = budget
        self.weightStorage = weightStorage
        self.models = models
        self.dclVersion = dclVersion
        self.patterns = patterns
    }
}
