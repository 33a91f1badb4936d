// Assembles an ONNX graph node by node, checking as it goes what ONNX requires and runtimes
// otherwise report far from the cause: every value is defined once (SSA), every node input is
// defined before the node (topological order), node names are unique, and every graph output
// is produced.
//
// This is the surface the graph → ONNX lowering writes to: the lowering of each dcl op calls
// `addNode` with the op's ONNX type and attributes, `addWeight` for parameters and
// `addConstant` for shape/index operands. Weights go through the bundle's `WeightStorage`, so
// a device model's initialisers are narrowed exactly like its `weights.safetensors`:
//
// * f16: initialiser `W_fp16` (FLOAT16) and `Cast(to: FLOAT)` producing `W`.
// * int8: initialisers `W_quantized` (INT8), `W_scale` (FLOAT, scalar or [C]) and
//   `W_zero_point` (INT8 zeros, same shape as the scale), and `DequantizeLinear` (with `axis`
//   for per-channel scales) producing `W`.
//
// The names follow ONNX Runtime's quantisation tool. A decode node reads only constant
// initialisers, so runtimes may fold it into a constant at load time; either way the file stays
// as small as the stored weights and the graph computes in float32.

import DCLTensor

/// Builds one `ONNXGraph` with checked names and topological order.
public struct ONNXGraphBuilder: Sendable {
    public private(set) var graph: ONNXGraph
    /// The storage weights added with `addWeight` are narrowed to.
    public let weightStorage: WeightStorage
    /// Round-trip error of every weight added with `addWeight`, by weight name.
    public private(set) var quantizationErrors: [String: QuantizationError] = [:]

    private var defined: Set<String> = []
    private var nodeNames: Set<String> = []
    private var counters: [String: Int] = [:]

    public init(name: String, weightStorage: WeightStorage = .float32) {
        graph = ONNXGraph(name: name)
        self.weightStorage = weightStorage
    }

    /// Whether a value of this name exists (graph input, initialiser or node output).
    public func isDefined(_ name: String) -> Bool { defined.contains(name) }

    /// A value name starting with `base` that is not yet used.
    public mutating func freshName(_ base: String) -> String {
        var name = base
        while defined.contains(name) || nodeNames.contains(name) {
            let k = counters[base, default: 0] + 1
            counters[base] = k
            name = "\(base)_\(k)"
        }
        return name
    }

    private mutating func define(_ name: String, what: String) throws {
        guard !name.isEmpty else { throw ExportError(.onnx, "\(what) has an empty name") }
        guard !defined.contains(name) else { throw ExportError(.onnx, "value '\(name)' is defined twice (\(what))") }
        defined.insert(name)
    }

    // MARK: Inputs and outputs

    /// Declares a graph input.
    public mutating func addInput(_ name: String, elementType: ONNXDataType = .float, shape: [ONNXDimension]) throws {
        try define(name, what: "graph input")
        graph.inputs.append(ONNXValueInfo(name: name, elementType: elementType, shape: shape))
    }

    /// Declares a graph output; the value must be produced by the time `build` is called.
    public mutating func addOutput(_ name: String, elementType: ONNXDataType = .float, shape: [ONNXDimension]?) throws {
        guard !graph.outputs.contains(where: { $0.name == name }) else {
            throw ExportError(.onnx, "graph output '\(name)' is declared twice")
        }
        graph.outputs.append(ONNXValueInfo(name: name, elementType: elementType, shape: shape))
    }

    // MARK: Constants and weights

    /// Adds an initialiser exactly as given.
    public mutating func addInitializer(_ tensor: ONNXTensor) throws {
        try define(tensor.name, what: "initializer")
        graph.initializers.append(tensor)
    }

    /// Adds a constant operand kept exactly (shapes, indices, axes) regardless of weight storage.
    @discardableResult
    public mutating func addConstant(_ name: String, tensor: Tensor) throws -> String {
        try addInitializer(try ONNXTensor(name: name, tensor: tensor))
        return name
    }

    /// Adds an INT64 constant, a 1-D vector by default (Reshape's `shape`, Gather's indices…).
    @discardableResult
    public mutating func addConstant(_ name: String, int64s: [Int64], dims: [Int64]? = nil) throws -> String {
        try addInitializer(try ONNXTensor(name: name, int64s: int64s, dims: dims ?? [Int64(int64s.count)]))
        return name
    }

    /// Adds a parameter stored per `weightStorage`; returns the name consumers read (`name`).
    /// `channelAxis` is the weight's output-channel axis, used by per-channel int8.
    @discardableResult
    public mutating func addWeight(_ name: String, tensor: Tensor, channelAxis: Int? = nil) throws -> String {
        try addWeight(try StoredWeight(name: name, tensor: tensor, storage: weightStorage, channelAxis: channelAxis))
    }

    /// Adds an already converted weight (the bundle writer converts each tensor once and
    /// hands the same `StoredWeight` to safetensors and ONNX).
    @discardableResult
    public mutating func addWeight(_ weight: StoredWeight) throws -> String {
        let name = weight.name
        let dims = weight.shape.map(Int64.init)
        switch weight.data {
        case .float32(let t), .int32(let t):
            try addInitializer(try ONNXTensor(name: name, tensor: t))
        case .float16(let halves):
            let stored = name + "_fp16"
            try addInitializer(try ONNXTensor(name: stored, float16Bits: halves, dims: dims))
            try addNode("Cast", inputs: [stored], outputs: [name],
                        attributes: [ONNXAttribute("to", .int(Int64(ONNXDataType.float.rawValue)))],
                        name: name + "_decode")
        case .int8(let q):
            let quantized = name + "_quantized", scale = name + "_scale", zero = name + "_zero_point"
            let scaleDims: [Int64] = q.axis == nil ? [] : [Int64(q.scales.count)]
            try addInitializer(try ONNXTensor(name: quantized, int8s: q.values, dims: dims))
            try addInitializer(try ONNXTensor(name: scale, floats: q.scales, dims: scaleDims))
            try addInitializer(try ONNXTensor(name: zero, int8s: [Int8](repeating: 0, count: q.scales.count), dims: scaleDims))
            let attributes = q.axis.map { [ONNXAttribute("axis", .int(Int64($0)))] } ?? []
            try addNode("DequantizeLinear", inputs: [quantized, scale, zero], outputs: [name],
                        attributes: attributes, name: name + "_decode")
        }
        quantizationErrors[name] = weight.error
        return name
    }

    // MARK: Nodes

    /// Appends a node. Inputs must already be defined ("" marks an omitted optional input);
    /// outputs must be new. Returns `outputs`.
    @discardableResult
    public mutating func addNode(_ opType: String, inputs: [String], outputs: [String],
                                 attributes: [ONNXAttribute] = [], name: String? = nil,
                                 domain: String = "") throws -> [String] {
        guard !opType.isEmpty else { throw ExportError(.onnx, "node has an empty op type") }
        guard !outputs.isEmpty else { throw ExportError(.onnx, "'\(opType)' node has no outputs") }
        for input in inputs where !input.isEmpty && !defined.contains(input) {
            throw ExportError(.onnx, "'\(opType)' node reads '\(input)', which is not defined before it")
        }
        var seen: Set<String> = []
        for a in attributes where !seen.insert(a.name).inserted {
            throw ExportError(.onnx, "'\(opType)' node has attribute '\(a.name)' twice")
        }
        let nodeName = name ?? freshNodeName(opType)
        guard !nodeNames.contains(nodeName) else { throw ExportError(.onnx, "node name '\(nodeName)' is used twice") }
        for o in outputs { try define(o, what: "output of '\(opType)' node") }
        nodeNames.insert(nodeName)
        graph.nodes.append(ONNXNode(name: nodeName, opType: opType, domain: domain, inputs: inputs,
                                    outputs: outputs, attributes: attributes))
        return outputs
    }

    /// Appends a node with `outputCount` generated output names; returns them.
    @discardableResult
    public mutating func addNode(_ opType: String, inputs: [String], outputCount: Int = 1,
                                 attributes: [ONNXAttribute] = [], domain: String = "") throws -> [String] {
        // Each output gets its own base name, so names made in one call cannot collide.
        let n = max(1, outputCount)
        let outputs = (0..<n).map { k in freshName("\(opType.lowercased())\(n > 1 ? "_out\(k)" : "")") }
        return try addNode(opType, inputs: inputs, outputs: outputs, attributes: attributes, domain: domain)
    }

    private mutating func freshNodeName(_ opType: String) -> String {
        let k = counters["node:" + opType, default: 0]
        var name = "\(opType)_\(k)"
        var next = k
        while nodeNames.contains(name) { next += 1; name = "\(opType)_\(next)" }
        counters["node:" + opType] = next + 1
        return name
    }

    // MARK: Finishing

    /// The model: checks every declared output is produced and there is at least one.
    public func build(producerVersion: String, docString: String = "",
                      metadata: [ONNXMetadataEntry] = []) throws -> ONNXModel {
        guard !graph.outputs.isEmpty else { throw ExportError(.onnx, "graph '\(graph.name)' has no outputs") }
        for o in graph.outputs where !defined.contains(o.name) {
            throw ExportError(.onnx, "graph output '\(o.name)' is never produced")
        }
        return ONNXModel(graph: graph, producerVersion: producerVersion, docString: docString, metadata: metadata)
    }
}

extension ONNXDimension {
    /// The symbolic batch dimension every dcl model input and output starts with.
    public static let batch = ONNXDimension.param("N")

    /// `[N, d1, d2, …]` for a per-sample shape.
    public static func batched(_ sampleShape: [Int]) -> [ONNXDimension] {
        [.batch] + sampleShape.map { .value(Int64($0)) }
    }
}
