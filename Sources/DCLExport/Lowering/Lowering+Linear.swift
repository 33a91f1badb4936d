// Lowering of the compute-heavy primitives: matmul (with its fused bias and activation),
// ICIIA's partitioned linear, convolution, pooling, and the selection ops CoDA's retrieval
// index uses (cosine similarity, top-k, arg-max).
//
// * matmul: two rank-2 operands become one `Gemm` (transA/transB and the bias as C — a linear
//   layer is `Gemm(transB = 1)` over its `[out, in]` weight). Batched operands use `MatMul`
//   (numpy batch broadcasting, as dcl), with `Transpose` of the last two axes for a transposed
//   operand and `Add` for the bias. A fused activation follows as its own node.
// * partitioned_linear (x (…, P·i), w (P, o, i)) is a batch of P small products:
//   x → [M, P, i] → [P, M, i], times wᵀ [P, i, o] → [P, M, o] → [M, P, o] → (…, P·o).
// * conv2d → `Conv` (pads as [top, left, bottom, right], `group` for depthwise) + activation;
//   max_pool2d → `MaxPool`; avg_pool2d → `AveragePool(count_include_pad = 1)` since dcl
//   divides by the full window, padding included.
// * cosine_similarity: rows scaled by 1/max(‖row‖, 1e-30) — dcl maps an all-zero row to zeros,
//   and x/1e-30 of an all-zero row is zero too, where `LpNormalization` would give NaN —
//   then `MatMul` with the other side transposed.
// * top_k and argmax give INT64 indices in ONNX and int32 in dcl, hence a `Cast`. ONNX TopK
//   breaks ties towards the lower index, as dcl does.

import DCLGraph
import DCLTensor

extension ONNXLowering {
    static func lowerMatMul(_ ctx: LoweringContext, _ node: Node) throws {
        let mm = node.op as! MatMul
        var a = try ctx.name(node.inputs[0]), b = try ctx.name(node.inputs[1])
        let bias = node.inputs.count > 2 ? try ctx.name(node.inputs[2]) : nil
        let ra = ctx.type(node.inputs[0]).rank, rb = ctx.type(node.inputs[1]).rank
        let out = ctx.output(node)
        let product = mm.activation == .identity ? out : ctx.fresh("\(node.name).linear")
        if ra == 2 && rb == 2 {
            try ctx.add("Gemm", [a, b] + (bias.map { [$0] } ?? []), [product],
                        [.int("transA", mm.transposeA ? 1 : 0), .int("transB", mm.transposeB ? 1 : 0)], at: node)
        } else {
            func swapLast(_ x: String, rank: Int, _ suffix: String) throws -> String {
                var perm = Array(0..<rank)
                perm.swapAt(rank - 1, rank - 2)
                return try ctx.temp("Transpose", [x], [.ints("perm", perm)], at: node, suffix)
            }
            if mm.transposeA { a = try swapLast(a, rank: ra, "a_t") }
            if mm.transposeB { b = try swapLast(b, rank: rb, "b_t") }
            if let bias {
                let raw = try ctx.temp("MatMul", [a, b], at: node, "matmul")
                try ctx.add("Add", [raw, bias], [product], at: node)
            } else {
                try ctx.add("MatMul", [a, b], [product], at: node)
            }
        }
        if mm.activation != .identity { try activation(mm.activation, product, into: out, ctx: ctx, at: node) }
    }

    static func lowerPartitionedLinear(_ ctx: LoweringContext, _ node: Node) throws {
        let x = try ctx.name(node.inputs[0]), w = try ctx.name(node.inputs[1])
        let xt = ctx.type(node.inputs[0])
        guard let ws = ctx.type(node.inputs[1]).constantShape, ws.count == 3 else {
            throw ExportError(.onnx, "the partitioned weight must have a constant (P, out/P, in/P) shape")
        }
        let (p, o, i) = (ws[0], ws[1], ws[2])
        let lead = Array(xt.dims.dropLast())
        let rows = lead.reduce(Dim(1), *)
        let blocks = try ctx.temp("Reshape", [x, try ctx.int64s([-1, p, i])], at: node, "blocks")
        let byBlock = try ctx.temp("Transpose", [blocks], [.ints("perm", [1, 0, 2])], at: node, "by_block")
        let wt = try ctx.temp("Transpose", [w], [.ints("perm", [0, 2, 1])], at: node, "weight_t")
        let products = try ctx.temp("MatMul", [byBlock, wt], at: node, "products")
        let byRow = try ctx.temp("Transpose", [products], [.ints("perm", [1, 0, 2])], at: node, "by_row")
        let target = try ctx.reshapeTarget(from: [rows, Dim(p), Dim(o)], to: lead + [Dim(p * o)])
        try ctx.add("Reshape", [byRow, target], [ctx.output(node)], at: node)
    }

    static func lowerConv(_ ctx: LoweringContext, _ node: Node) throws {
        let conv = node.op as! Conv2DOp
        let p = conv.params
        guard let ws = ctx.type(node.inputs[1]).constantShape, ws.count == 4 else {
            throw ExportError(.onnx, "the convolution weight must have a constant (Cout, Cin/groups, kh, kw) shape")
        }
        let ins = try node.inputs.map { try ctx.name($0) }
        let out = ctx.output(node)
        let product = conv.activation == .identity ? out : ctx.fresh("\(node.name).conv")
        try ctx.add("Conv", ins, [product], [
            .ints("dilations", [p.dilationH, p.dilationW]), .int("group", p.groups), .ints("kernel_shape", [ws[2], ws[3]]),
            .ints("pads", [p.padH, p.padW, p.padH, p.padW]), .ints("strides", [p.strideH, p.strideW]),
        ], at: node)
        if conv.activation != .identity { try activation(conv.activation, product, into: out, ctx: ctx, at: node) }
    }

    static func lowerPool(_ ctx: LoweringContext, _ node: Node) throws {
        let x = try ctx.name(node.inputs[0])
        if let m = node.op as? MaxPool2D {
            let p = m.params
            try ctx.add("MaxPool", [x], [ctx.output(node)], [
                .ints("dilations", [p.dilationH, p.dilationW]), .ints("kernel_shape", m.kernel),
                .ints("pads", [p.padH, p.padW, p.padH, p.padW]), .ints("strides", [p.strideH, p.strideW]),
            ], at: node)
        } else {
            let a = node.op as! AvgPool2D
            let p = a.params
            // dcl ignores dilation for average pooling, and so does opset 17's AveragePool.
            try ctx.add("AveragePool", [x], [ctx.output(node)], [
                .int("count_include_pad", 1), .ints("kernel_shape", a.kernel),
                .ints("pads", [p.padH, p.padW, p.padH, p.padW]), .ints("strides", [p.strideH, p.strideW]),
            ], at: node)
        }
    }

    static func lowerCosineSimilarity(_ ctx: LoweringContext, _ node: Node) throws {
        func normalized(_ v: ValueID, _ label: String) throws -> String {
            let x = try ctx.name(v)
            let squares = try ctx.temp("Mul", [x, x], at: node, "\(label)_squares")
            let sum = try ctx.temp("ReduceSum", [squares, try ctx.int64s([1], "axes")], [.int("keepdims", 1)], at: node, "\(label)_sum")
            let norm = try ctx.temp("Sqrt", [sum], at: node, "\(label)_norm")
            let safe = try ctx.temp("Max", [norm, try ctx.scalar(1e-30)], at: node, "\(label)_safe_norm")
            return try ctx.temp("Div", [x, safe], at: node, "\(label)_unit")
        }
        let a = try normalized(node.inputs[0], "a"), b = try normalized(node.inputs[1], "b")
        let bt = try ctx.temp("Transpose", [b], [.ints("perm", [1, 0])], at: node, "b_t")
        try ctx.add("MatMul", [a, bt], [ctx.output(node)], at: node)
    }

    static func lowerTopK(_ ctx: LoweringContext, _ node: Node) throws {
        let k = (node.op as! TopK).k
        let values = ctx.output(node, 0)
        let indices64 = ctx.fresh("\(node.name).indices_int64")
        try ctx.add("TopK", [try ctx.name(node.inputs[0]), try ctx.int64s([k], "k")], [values, indices64],
                    [.int("axis", -1), .int("largest", 1), .int("sorted", 1)], at: node)
        try ctx.add("Cast", [indices64], [ctx.output(node, 1)], [.int("to", Int(ONNXDataType.int32.rawValue))], at: node)
    }

    static func lowerArgMax(_ ctx: LoweringContext, _ node: Node) throws {
        let axis = (node.op as! ArgMax).axis
        let index64 = try ctx.temp("ArgMax", [try ctx.name(node.inputs[0])],
                                   [.int("axis", axis), .int("keepdims", 0), .int("select_last_index", 0)], at: node, "int64")
        try ctx.add("Cast", [index64], [ctx.output(node)], [.int("to", Int(ONNXDataType.int32.rawValue))], at: node)
    }
}
