// Layer constructors and tensor operations. Each maps to engine primitives in the compiler
// (Sources/DCLCompiler/Elaborate/LowerLayers.swift: one total switch over `LayerBuiltin`, and
// a test that every layer lowers).

extension Builtins {
    static let layers: [BuiltinSpec] = [
        BuiltinSpec(.layer(.linear), [
            ParamSpec("units", .int, nil, "output features"),
            ParamSpec("bias", .bool, .bool(true)),
            ParamSpec("keep_width", .bool, .bool(false), "keep this width in a vertical width split (a width read from the input's shape)"),
        ], returns: .layerOrApplied, doc: "affine map over the last axis: y = x Wᵀ + b"),
        BuiltinSpec(.layer(.plinear), [
            ParamSpec("units", .int, nil, "output features (divisible by partitions)"),
            ParamSpec("partitions", .int, .int(1), "P equal diagonal blocks, weights P × units/P × in/P"),
            ParamSpec("bias", .bool, .bool(true)),
            ParamSpec("shuffle", .bool, .bool(false), "feature shuffle after the block matmul"),
            ParamSpec("keep_width", .bool, .bool(false), "keep this width in a vertical width split (a width read from the input's shape)"),
        ], returns: .layerOrApplied, doc: "partitioned (block-diagonal) linear projection, as in ICIIA"),
        BuiltinSpec(.layer(.conv2d), [
            ParamSpec("filters", .int, nil, "output channels"),
            ParamSpec("kernel", .int, nil, "square kernel size"),
            ParamSpec("stride", .int, .int(1)),
            ParamSpec("pad", .any, .int(0), "zero padding per side, or \"same\""),
            ParamSpec("dilation", .int, .int(1)),
            ParamSpec("groups", .int, .int(1), "channel groups; groups = channels is depthwise"),
            ParamSpec("bias", .bool, .bool(true)),
            ParamSpec("keep_width", .bool, .bool(false), "keep this width in a vertical width split (a width read from the input's shape)"),
        ], returns: .layerOrApplied, doc: "2-D convolution over NCHW input"),
        BuiltinSpec(.layer(.depthwise), [
            ParamSpec("kernel", .int),
            ParamSpec("stride", .int, .int(1)),
            ParamSpec("pad", .any, .string("same"), "zero padding per side, or \"same\""),
            ParamSpec("multiplier", .int, .int(1), "output channels per input channel"),
            ParamSpec("bias", .bool, .bool(true)),
        ], returns: .layerOrApplied, doc: "depthwise 2-D convolution (one filter group per channel)"),
        BuiltinSpec(.layer(.batchnorm), [
            ParamSpec("momentum", .float, .float(0.1), "running-statistics update rate"),
            ParamSpec("eps", .float, .float(1e-5)),
        ], returns: .layerOrApplied, doc: "batch normalisation over the channel axis (1); running statistics in eval"),
        BuiltinSpec(.layer(.layernorm), [
            ParamSpec("eps", .float, .float(1e-5)),
            ParamSpec("affine", .bool, .bool(true)),
        ], returns: .layerOrApplied, doc: "layer normalisation over the last axis"),
        BuiltinSpec(.layer(.embedding), [
            ParamSpec("vocab", .int, nil, "number of ids"),
            ParamSpec("dim", .int, nil, "embedding width"),
            ParamSpec("keep_width", .bool, .bool(false), "keep this width in a vertical width split (a width read from the input's shape)"),
        ], returns: .layerOrApplied, doc: "row lookup of integer ids in a vocab × dim table"),
        BuiltinSpec(.layer(.relu), returns: .layerOrApplied, doc: "max(x, 0)"),
        BuiltinSpec(.layer(.leakyRelu), [ParamSpec("slope", .float, .float(0.01))],
                    returns: .layerOrApplied, doc: "x if x > 0 else slope · x"),
        BuiltinSpec(.layer(.gelu), returns: .layerOrApplied, doc: "Gaussian error linear unit (tanh approximation)"),
        BuiltinSpec(.layer(.sigmoid), returns: .layerOrApplied, doc: "1 / (1 + e^-x)"),
        BuiltinSpec(.layer(.tanh), returns: .layerOrApplied, doc: "hyperbolic tangent"),
        BuiltinSpec(.layer(.identity), returns: .layerOrApplied, doc: "returns its input"),
        BuiltinSpec(.layer(.softmax), [ParamSpec("axis", .int, .int(-1))], returns: .layerOrApplied,
                    doc: "softmax along an axis"),
        BuiltinSpec(.layer(.logSoftmax), [ParamSpec("axis", .int, .int(-1))], returns: .layerOrApplied,
                    doc: "log of softmax along an axis"),
        BuiltinSpec(.layer(.dropout), [ParamSpec("p", .float, .float(0.5), "drop probability")],
                    returns: .layerOrApplied, doc: "zeroes elements with probability p while training (seeded); identity in eval"),
        BuiltinSpec(.layer(.maxpool), [
            ParamSpec("kernel", .int),
            ParamSpec("stride", .int, .sameAs("kernel")),
            ParamSpec("pad", .int, .int(0)),
        ], returns: .layerOrApplied, doc: "2-D max pooling"),
        BuiltinSpec(.layer(.avgpool), [
            ParamSpec("kernel", .int),
            ParamSpec("stride", .int, .sameAs("kernel")),
            ParamSpec("pad", .int, .int(0)),
        ], returns: .layerOrApplied, doc: "2-D average pooling (padding excluded from the mean)"),
        BuiltinSpec(.layer(.globalAvgpool), returns: .layerOrApplied,
                    doc: "mean over the spatial axes: [N, C, H, W] → [N, C]"),
        BuiltinSpec(.layer(.flatten), returns: .layerOrApplied, doc: "[N, …] → [N, product]"),
        BuiltinSpec(.layer(.reshape), [ParamSpec("shape", .list(.int), nil, "full shape incl. batch; -1 infers one axis")],
                    returns: .layerOrApplied, doc: "same elements, new shape"),
        BuiltinSpec(.layer(.permute), [ParamSpec("axes", .list(.int), nil, "a permutation of all axes incl. batch")],
                    returns: .layerOrApplied, doc: "reorders axes"),
        BuiltinSpec(.layer(.positionEmbedding), returns: .layerOrApplied,
                    doc: "adds a learned [T, d] table to token features [N, T, d] (its shape follows the input)"),
        BuiltinSpec(.layer(.channelShuffle), [ParamSpec("groups", .int)], returns: .layerOrApplied,
                    doc: "feature shuffle: (…, G, k) → (…, k, G) over the last axis (channels for NCHW)"),
        BuiltinSpec(.layer(.slice), [
            ParamSpec("axis", .int), ParamSpec("start", .int), ParamSpec("end", .int),
        ], returns: .layerOrApplied, doc: "elements start..<end along an axis (negative counts from the end)"),
        BuiltinSpec(.layer(.sum), [
            ParamSpec("axis", .any, .none, "int or list of ints; none reduces a list"),
            ParamSpec("keepdims", .bool, .bool(false)),
        ], returns: .reduction, doc: "sum of a list, or of a tensor along axes"),
        BuiltinSpec(.layer(.mean), [
            ParamSpec("axis", .any, .none, "int or list of ints; none reduces a list"),
            ParamSpec("keepdims", .bool, .bool(false)),
        ], returns: .reduction, doc: "mean of a list, or of a tensor along axes"),
        BuiltinSpec(.layer(.max), [
            ParamSpec("axis", .any, .none, "int or list of ints; none reduces a list"),
            ParamSpec("keepdims", .bool, .bool(false)),
        ], returns: .reduction, doc: "largest of a list or of numbers, or of a tensor along axes"),
        BuiltinSpec(.layer(.min), [
            ParamSpec("axis", .any, .none, "int or list of ints; none reduces a list"),
            ParamSpec("keepdims", .bool, .bool(false)),
        ], returns: .reduction, doc: "smallest of a list or of numbers"),
    ]

    static let tensorOps: [BuiltinSpec] = [
        BuiltinSpec(.tensorOp(.matmul), [
            ParamSpec("a", .tensor), ParamSpec("b", .tensor),
            ParamSpec("transpose_a", .bool, .bool(false)), ParamSpec("transpose_b", .bool, .bool(false)),
        ], returns: .fixed(.tensor), doc: "matrix product over the last two axes, batched over leading axes"),
        BuiltinSpec(.tensorOp(.concat), [
            ParamSpec("tensors", .list(.tensor)), ParamSpec("axis", .int, .int(1)),
        ], returns: .fixed(.tensor), doc: "joins tensors along an axis"),
        BuiltinSpec(.tensorOp(.stop), [ParamSpec("x", .tensor)], returns: .fixed(.tensor),
                    doc: "the same value with no gradient flowing back (stop-gradient)"),
        BuiltinSpec(.tensorOp(.exp), [ParamSpec("x", .any)], returns: .sameAsFirst, doc: "e^x, of a number or elementwise"),
        BuiltinSpec(.tensorOp(.log), [ParamSpec("x", .any)], returns: .sameAsFirst, doc: "natural logarithm"),
        BuiltinSpec(.tensorOp(.sqrt), [ParamSpec("x", .any)], returns: .sameAsFirst, doc: "square root"),
        BuiltinSpec(.tensorOp(.abs), [ParamSpec("x", .any)], returns: .sameAsFirst, doc: "absolute value"),
        BuiltinSpec(.tensorOp(.pow), [ParamSpec("x", .any), ParamSpec("p", .float)], returns: .sameAsFirst,
                    doc: "x raised to a constant power"),
        BuiltinSpec(.tensorOp(.shape), [ParamSpec("x", .tensor)], returns: .fixed(.list(.int)),
                    doc: "the per-sample shape of a tensor (the batch axis left out)"),
        BuiltinSpec(.tensorOp(.cosineSimilarity), [ParamSpec("a", .tensor), ParamSpec("b", .tensor)],
                    returns: .fixed(.tensor), doc: "[n, d] × [m, d] → [n, m] cosine similarities (no gradient)"),
        BuiltinSpec(.tensorOp(.argmax), [ParamSpec("x", .tensor), ParamSpec("axis", .int, .int(-1))],
                    returns: .fixed(.tensor), doc: "index of the largest element along an axis (no gradient)"),
    ]

    static let losses: [BuiltinSpec] = [
        BuiltinSpec(.loss(.crossEntropy), [
            ParamSpec("logits", .tensor), ParamSpec("labels", .tensor),
            ParamSpec("smoothing", .float, .float(0), "label smoothing ε"),
        ], returns: .fixed(.tensor), doc: "mean softmax cross-entropy of logits against integer labels"),
        BuiltinSpec(.loss(.bce), [ParamSpec("logits", .tensor), ParamSpec("labels", .tensor)],
                    returns: .fixed(.tensor), doc: "mean binary cross-entropy of logits against 0/1 labels"),
        BuiltinSpec(.loss(.mse), [ParamSpec("prediction", .tensor), ParamSpec("target", .tensor)],
                    returns: .fixed(.tensor), doc: "mean squared error"),
        BuiltinSpec(.loss(.kl), [
            ParamSpec("student", .tensor), ParamSpec("teacher", .tensor),
            ParamSpec("temperature", .float, .float(1)),
        ], returns: .fixed(.tensor), doc: "distillation loss KL(softmax(t/T) ‖ softmax(s/T)) · T²"),
    ]
}
