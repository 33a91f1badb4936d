// Lowering of the elementwise, activation, softmax, reduction and normalisation primitives.
//
// Most map one to one (numpy broadcasting is ONNX's multidirectional broadcasting). The
// exceptions, and why:
// * `equal` yields float 0/1 in dcl; ONNX `Equal` yields BOOL, so a `Cast` follows.
// * `gelu` is dcl's tanh approximation; ONNX's `Gelu` arrived in opset 20, so opset 17 spells
//   it out: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), cubing by multiplication as dcl does.
// * `reduce_sum` takes its axes as an input since opset 13; `reduce_mean` and `reduce_max`
//   still take them as an attribute in opset 17.
// * `layer_norm` also outputs the mean and 1/σ without the normalised axis; ONNX keeps that
//   axis (size 1), so the two are squeezed — and only emitted when something reads them.

import DCLGraph
import DCLTensor

extension ONNXLowering {
    /// A broadcasting binary op with the same meaning in ONNX.
    static func binary(_ op: String) -> (LoweringContext, Node) throws -> Void {
        { ctx, node in
            try ctx.add(op, [try ctx.name(node.inputs[0]), try ctx.name(node.inputs[1])], [ctx.output(node)], at: node)
        }
    }

    /// A one-input op with the same meaning in ONNX.
    static func unary(_ op: String) -> (LoweringContext, Node) throws -> Void {
        { ctx, node in try ctx.add(op, [try ctx.name(node.inputs[0])], [ctx.output(node)], at: node) }
    }

    static func lowerEqual(_ ctx: LoweringContext, _ node: Node) throws {
        let bool = try ctx.temp("Equal", [try ctx.name(node.inputs[0]), try ctx.name(node.inputs[1])], at: node, "equal")
        try ctx.add("Cast", [bool], [ctx.output(node)], [.int("to", Int(ONNXDataType.float.rawValue))], at: node)
    }

    static func lowerPow(_ ctx: LoweringContext, _ node: Node) throws {
        let p = (node.op as! Pow).exponent
        try ctx.add("Pow", [try ctx.name(node.inputs[0]), try ctx.scalar(p)], [ctx.output(node)], at: node)
    }

    static func lowerActivation(_ ctx: LoweringContext, _ node: Node) throws {
        let act: Activation
        switch node.op {
        case is Relu: act = .relu
        case let l as LeakyRelu: act = .leakyRelu(slope: l.slope)
        case is Gelu: act = .gelu
        case is Sigmoid: act = .sigmoid
        case is Tanh: act = .tanh
        default: throw ExportError(.onnx, "not an activation")
        }
        try activation(act, try ctx.name(node.inputs[0]), into: ctx.output(node), ctx: ctx, at: node)
    }

    /// Applies `act` to `x`, writing `out` (an Identity for `.identity`).
    static func activation(_ act: Activation, _ x: String, into out: String, ctx: LoweringContext, at node: Node) throws {
        switch act {
        case .identity: try ctx.add("Identity", [x], [out], at: node)
        case .relu: try ctx.add("Relu", [x], [out], at: node)
        case .leakyRelu(let slope): try ctx.add("LeakyRelu", [x], [out], [.float("alpha", slope)], at: node)
        case .sigmoid: try ctx.add("Sigmoid", [x], [out], at: node)
        case .tanh: try ctx.add("Tanh", [x], [out], at: node)
        case .gelu:
            let x2 = try ctx.temp("Mul", [x, x], at: node, "gelu_x2")
            let x3 = try ctx.temp("Mul", [x2, x], at: node, "gelu_x3")
            let cubic = try ctx.temp("Mul", [x3, try ctx.scalar(0.044715)], at: node, "gelu_cubic")
            let inner = try ctx.temp("Add", [x, cubic], at: node, "gelu_inner")
            let scaled = try ctx.temp("Mul", [inner, try ctx.scalar(0.7978845608028654)], at: node, "gelu_scaled")
            let t = try ctx.temp("Tanh", [scaled], at: node, "gelu_tanh")
            let onePlus = try ctx.temp("Add", [t, try ctx.scalar(1)], at: node, "gelu_one_plus")
            let half = try ctx.temp("Mul", [x, try ctx.scalar(0.5)], at: node, "gelu_half_x")
            try ctx.add("Mul", [half, onePlus], [out], at: node)
        }
    }

    static func lowerSoftmax(_ ctx: LoweringContext, _ node: Node) throws {
        let axis = (node.op as? SoftmaxOp)?.axis ?? (node.op as! LogSoftmax).axis
        try ctx.add(node.op is SoftmaxOp ? "Softmax" : "LogSoftmax", [try ctx.name(node.inputs[0])], [ctx.output(node)],
                    [.int("axis", axis)], at: node)
    }

    static func lowerReduce(_ ctx: LoweringContext, _ node: Node) throws {
        let x = try ctx.name(node.inputs[0])
        let rank = ctx.type(node.inputs[0]).rank
        let (axes, keep): ([Int], Bool)
        switch node.op {
        case let r as ReduceSum: (axes, keep) = (r.axes, r.keepDims)
        case let r as ReduceMean: (axes, keep) = (r.axes, r.keepDims)
        case let r as ReduceMax: (axes, keep) = (r.axes, r.keepDims)
        default: throw ExportError(.onnx, "not a reduction")
        }
        // Normalised and explicit: an empty ONNX axes list would mean "every axis".
        let normalized = Set(axes.map { $0 < 0 ? $0 + rank : $0 }).sorted()
        let out = ctx.output(node)
        if normalized.isEmpty {
            try ctx.add("Identity", [x], [out], at: node)
            return
        }
        let keepAttribute = ONNXAttribute.int("keepdims", keep ? 1 : 0)
        if node.op is ReduceSum {
            try ctx.add("ReduceSum", [x, try ctx.int64s(normalized, "axes")], [out], [keepAttribute], at: node)
        } else {
            try ctx.add(node.op is ReduceMean ? "ReduceMean" : "ReduceMax", [x], [out], [.ints("axes", normalized), keepAttribute], at: node)
        }
    }

    static func lowerBatchNorm(_ ctx: LoweringContext, _ node: Node) throws {
        let bn = node.op as! BatchNorm
        guard !bn.training else {
            throw ExportError(.unsupported, "training-mode batch norm updates its running statistics; \(trainingOnly)")
        }
        let ins = try node.inputs.map { try ctx.name($0) }
        try ctx.add("BatchNormalization", ins, [ctx.output(node)], [.float("epsilon", bn.eps), .float("momentum", 1 - bn.momentum)], at: node)
    }

    static func lowerLayerNorm(_ ctx: LoweringContext, _ node: Node) throws {
        let ln = node.op as! LayerNorm
        let ins = try node.inputs.map { try ctx.name($0) }
        let statsUsed = ctx.isUsed(node, 1) || ctx.isUsed(node, 2)
        var outs = [ctx.output(node, 0)]
        if statsUsed {
            outs += [ctx.fresh("\(node.name).mean_kept"), ctx.fresh("\(node.name).inv_std_kept")]
        }
        try ctx.add("LayerNormalization", ins, outs, [.int("axis", -1), .float("epsilon", ln.eps)], at: node)
        if statsUsed {
            let lastAxis = try ctx.int64s([-1], "axes")
            for k in 1...2 { try ctx.add("Squeeze", [outs[k], lastAxis], [ctx.output(node, k)], at: node) }
        }
    }
}
