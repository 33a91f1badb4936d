// Graph IR → ONNX (opset 17): one table with an entry for every primitive the engine
// registers, so the mapping cannot drift from the op set — `ONNXLoweringTests` fails when
// `OpRegistry.all` and this table differ by a single name.
//
// Bundles hold inference graphs. Ops that only occur in training graphs (gradient kernels,
// losses, optimiser updates, dropout masks) are listed as not exportable with the reason, and
// lowering a graph that contains one fails naming the node — rather than writing an ONNX file
// that computes something else.
//
// The lowering of each op family lives next to its siblings: `Lowering+Math.swift`
// (elementwise, activations, softmax, reductions, normalisation), `Lowering+Linear.swift`
// (matmul, partitioned linear, convolution, pooling, similarity and selection) and
// `Lowering+Layout.swift` (shapes, data movement, gather). docs/bundles.md has the table in
// prose.

import DCLGraph
import DCLTensor

/// How one primitive becomes ONNX.
enum LoweringRule {
    /// Emits the ONNX nodes computing the node's used outputs.
    case lower((LoweringContext, Node) throws -> Void)
    /// The op cannot be part of an exported (inference) graph; the reason says why.
    case notExportable(String)
}

/// The graph → ONNX lowering.
public enum ONNXLowering {
    static let trainingOnly = "it only occurs in training graphs; bundles hold inference graphs"

    /// Every registered primitive, by name.
    static let rules: [String: LoweringRule] = [
        // Ops/Binary.swift
        Add.name: .lower(binary("Add")), Sub.name: .lower(binary("Sub")), Mul.name: .lower(binary("Mul")),
        Div.name: .lower(binary("Div")), Maximum.name: .lower(binary("Max")), Minimum.name: .lower(binary("Min")),
        Equal.name: .lower(lowerEqual),
        // Ops/Unary.swift
        Neg.name: .lower(unary("Neg")), Exp.name: .lower(unary("Exp")), Log.name: .lower(unary("Log")),
        Sqrt.name: .lower(unary("Sqrt")), Pow.name: .lower(lowerPow),
        // Ops/Activation.swift
        Relu.name: .lower(lowerActivation), LeakyRelu.name: .lower(lowerActivation), Gelu.name: .lower(lowerActivation),
        Sigmoid.name: .lower(lowerActivation), Tanh.name: .lower(lowerActivation),
        ActivationGrad.name: .notExportable("it is an activation's gradient; \(trainingOnly)"),
        // Ops/Matmul.swift
        MatMul.name: .lower(lowerMatMul),
        // Ops/Reduce.swift
        ReduceSum.name: .lower(lowerReduce), ReduceMean.name: .lower(lowerReduce), ReduceMax.name: .lower(lowerReduce),
        BroadcastTo.name: .lower(lowerBroadcast), DimValue.name: .lower(lowerDimValue),
        // Ops/Softmax.swift
        SoftmaxOp.name: .lower(lowerSoftmax), LogSoftmax.name: .lower(lowerSoftmax),
        SoftmaxGrad.name: .notExportable("it is softmax's gradient; \(trainingOnly)"),
        // Ops/Layout.swift
        Reshape.name: .lower(lowerReshape), Transpose.name: .lower(lowerTranspose), Concat.name: .lower(lowerConcat),
        Slice.name: .lower(lowerSlice), Pad.name: .lower(lowerPad), Shuffle.name: .lower(lowerShuffle),
        StopGradient.name: .lower(unary("Identity")),
        // Ops/Gather.swift
        GatherRows.name: .lower(lowerGather),
        ScatterAdd.name: .notExportable("it is gather's gradient; \(trainingOnly)"),
        // Ops/Conv.swift
        Conv2DOp.name: .lower(lowerConv),
        Conv2DGradInput.name: .notExportable("it is a convolution's gradient; \(trainingOnly)"),
        Conv2DGradWeight.name: .notExportable("it is a convolution's gradient; \(trainingOnly)"),
        // Ops/Pool.swift
        MaxPool2D.name: .lower(lowerPool), AvgPool2D.name: .lower(lowerPool),
        Pool2DGrad.name: .notExportable("it is a pooling gradient; \(trainingOnly)"),
        // Ops/Norm.swift
        BatchNorm.name: .lower(lowerBatchNorm),
        BatchNormGrad.name: .notExportable("it is batch norm's gradient; \(trainingOnly)"),
        LayerNorm.name: .lower(lowerLayerNorm),
        LayerNormGrad.name: .notExportable("it is layer norm's gradient; \(trainingOnly)"),
        DropoutOp.name: .notExportable("dropout masks are drawn per training step; \(trainingOnly) (inference graphs have no dropout)"),
        // Ops/Loss.swift
        CrossEntropy.name: .notExportable("it is a loss; \(trainingOnly)"),
        CrossEntropyGrad.name: .notExportable("it is a loss gradient; \(trainingOnly)"),
        BCEWithLogits.name: .notExportable("it is a loss; \(trainingOnly)"),
        MSE.name: .notExportable("it is a loss; \(trainingOnly)"),
        KLDistill.name: .notExportable("it is a loss; \(trainingOnly)"),
        KLDistillGrad.name: .notExportable("it is a loss gradient; \(trainingOnly)"),
        // Ops/Selection.swift
        PartitionedLinearOp.name: .lower(lowerPartitionedLinear),
        PartitionedLinearGradWeight.name: .notExportable("it is a partitioned linear layer's gradient; \(trainingOnly)"),
        CosineSimilarity.name: .lower(lowerCosineSimilarity),
        TopK.name: .lower(lowerTopK), ArgMax.name: .lower(lowerArgMax),
        // Ops/Optimizer.swift
        SGDUpdate.name: .notExportable("it is an optimiser update; \(trainingOnly)"),
        AdamUpdate.name: .notExportable("it is an optimiser update; \(trainingOnly)"),
        GlobalNormScale.name: .notExportable("it is gradient clipping; \(trainingOnly)"),
        // Ops/SparseGradient.swift
        CoalesceRows.name: .notExportable("it is an embedding table's gradient; \(trainingOnly)"),
        SparseSGDUpdate.name: .notExportable("it is an optimiser update; \(trainingOnly)"),
        SparseAdamUpdate.name: .notExportable("it is an optimiser update; \(trainingOnly)"),
    ]

    /// Names of the primitives that have an ONNX lowering.
    public static var exportableOps: [String] { rules.filter { if case .lower = $0.value { return true }; return false }.keys.sorted() }

    /// Names of the primitives declared not exportable, with the reason.
    public static var notExportableOps: [String: String] {
        var out: [String: String] = [:]
        for (k, r) in rules { if case .notExportable(let why) = r { out[k] = why } }
        return out
    }

    /// Primitive names the table has a rule for (exportable or not).
    public static var coveredOps: Set<String> { Set(rules.keys) }

    /// Lowers `graph` into `builder`, which must already declare the graph's inputs (same names,
    /// same order), every parameter as a weight under its own name, and the graph's outputs.
    public static func lower(_ graph: Graph, into builder: inout ONNXGraphBuilder, model: String) throws {
        guard graph.assignments.isEmpty else {
            throw ExportError(.unsupported, "model '\(model)': its graph updates state (\(graph.assignments.map(\.parameter).joined(separator: ", "))); only inference graphs are exported")
        }
        let ctx = LoweringContext(graph: graph, builder: builder, model: model)
        for node in graph.nodes {
            guard let rule = rules[node.opName] else {
                throw ExportError(.unsupported, "model '\(model)': node '\(node.name)' uses '\(node.opName)', which has no ONNX lowering")
            }
            switch rule {
            case .notExportable(let why):
                throw ExportError(.unsupported, "model '\(model)': node '\(node.name)' (\(node.opName)) cannot be exported to ONNX: \(why)")
            case .lower(let f):
                do {
                    try f(ctx, node)
                } catch let e as ExportError {
                    throw ExportError(e.kind, entry: e.entry, "model '\(model)': node '\(node.name)' (\(node.opName)): \(e.message)")
                }
            }
        }
        for o in graph.outputs {
            let produced = try ctx.name(o.value)
            if produced != o.name {
                try ctx.b.addNode("Identity", inputs: [produced], outputs: [o.name], name: ctx.nodeName("output_\(o.name)"))
            }
        }
        builder = ctx.b
    }

    /// A complete ONNX file for `model`, whose graph is `graph`: signature and weights from the
    /// description (stored per `weightStorage`, exactly as in `weights.safetensors`), nodes from
    /// the lowering.
    public static func export(_ graph: Graph, model: ModelDescription, weightStorage: WeightStorage,
                              producerVersion: String) throws -> [UInt8] {
        guard graph.inputs.map(\.name) == model.inputs.map(\.name) else {
            throw ExportError(.invalidArgument, "model '\(model.name)': graph inputs \(graph.inputs.map(\.name)) differ from its signature \(model.inputs.map(\.name))")
        }
        guard graph.outputs.map(\.name) == model.outputs.map(\.name) else {
            throw ExportError(.invalidArgument, "model '\(model.name)': graph outputs \(graph.outputs.map(\.name)) differ from its signature \(model.outputs.map(\.name))")
        }
        let given = Set(model.parameters.map(\.name))
        for p in graph.parameters where !given.contains(p.name) {
            throw ExportError(.invalidArgument, "model '\(model.name)': graph parameter '\(p.name)' has no tensor in the description")
        }
        var b = try model.makeONNXBuilder(weightStorage: weightStorage)
        try lower(graph, into: &b, model: model.name)
        let onnx = try b.build(producerVersion: producerVersion, docString: "dcl model '\(model.name)'")
        return try onnx.serializedBytes()
    }
}
