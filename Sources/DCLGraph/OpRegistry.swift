// Every primitive, by name: the parser builds nodes from it, and a test checks that each entry
// has a gradient test (or is declared non-differentiable).

/// The registry of primitives.
public enum OpRegistry {
    /// All primitive types, grouped as in Ops/.
    public static let all: [any Primitive.Type] = [
        // Ops/Binary.swift
        Add.self, Sub.self, Mul.self, Div.self, Maximum.self, Minimum.self, Equal.self,
        // Ops/Unary.swift
        Neg.self, Exp.self, Log.self, Sqrt.self, Pow.self,
        // Ops/Activation.swift
        Relu.self, LeakyRelu.self, Gelu.self, Sigmoid.self, Tanh.self, ActivationGrad.self,
        // Ops/Matmul.swift
        MatMul.self,
        // Ops/Reduce.swift
        ReduceSum.self, ReduceMean.self, ReduceMax.self, BroadcastTo.self, DimValue.self,
        // Ops/Softmax.swift
        SoftmaxOp.self, LogSoftmax.self, SoftmaxGrad.self,
        // Ops/Layout.swift
        Reshape.self, Transpose.self, Concat.self, Slice.self, Pad.self, Shuffle.self, StopGradient.self,
        // Ops/Gather.swift
        GatherRows.self, ScatterAdd.self,
        // Ops/Conv.swift
        Conv2DOp.self, Conv2DGradInput.self, Conv2DGradWeight.self,
        // Ops/Pool.swift
        MaxPool2D.self, AvgPool2D.self, Pool2DGrad.self,
        // Ops/Norm.swift
        BatchNorm.self, BatchNormGrad.self, LayerNorm.self, LayerNormGrad.self, DropoutOp.self,
        // Ops/Loss.swift
        CrossEntropy.self, CrossEntropyGrad.self, BCEWithLogits.self, MSE.self, KLDistill.self, KLDistillGrad.self,
        // Ops/Selection.swift
        PartitionedLinearOp.self, PartitionedLinearGradWeight.self, CosineSimilarity.self, TopK.self, ArgMax.self,
        // Ops/Optimizer.swift
        SGDUpdate.self, AdamUpdate.self, GlobalNormScale.self,
        // Ops/SparseGradient.swift
        CoalesceRows.self, SparseSGDUpdate.self, SparseAdamUpdate.self,
    ]

    private static let byName: [String: any Primitive.Type] = {
        var m: [String: any Primitive.Type] = [:]
        for t in all {
            precondition(m[t.name] == nil, "duplicate primitive name \(t.name)")
            m[t.name] = t
        }
        return m
    }()

    /// The primitive type registered as `name`.
    public static func type(named name: String) -> (any Primitive.Type)? { byName[name] }

    /// All registered names, sorted.
    public static var names: [String] { all.map { $0.name }.sorted() }

    /// Names of primitives that define no gradient (selection, comparison, backward kernels,
    /// optimiser updates).
    public static var nonDifferentiable: Set<String> {
        Set(all.filter { $0 is any NonDifferentiable.Type }.map { $0.name })
    }

    /// Builds a primitive from its name and parsed attributes.
    public static func make(_ name: String, _ values: [String: AttributeValue]) throws -> any Primitive {
        guard let t = byName[name] else { throw GraphError(op: "parse", "unknown op '\(name)'") }
        return try t.init(attributes: Attributes(values, op: name))
    }
}
