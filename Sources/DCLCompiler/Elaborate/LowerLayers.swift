// Built-in layers → engine primitives. One switch over `LayerBuiltin`, total: a layer added to
// the catalog does not compile until it is lowered here (and LayerCoverageTests runs each one).
//
// Initialisation follows PyTorch's defaults so results are comparable: linear and conv weights
// Kaiming-uniform with a = √5 (bound 1/√fan_in), biases U(±1/√fan_in), embeddings N(0, 1),
// norms' scale 1 and shift 0.

import DCLDiagnostics
import DCLGraph
import DCLSema
import DCLTensor
import Foundation

extension Elaborator {
    func lowerLayer(_ call: BuiltinLayerCall, _ x: GraphValue, ctx: ElaborationContext, span: SourceSpan) throws -> GraphValue {
        let a = call.arguments
        let b = ctx.builder
        ctx.at(span)
        func argSpan(_ n: String) -> SourceSpan { a.span(of: n) ?? span }
        func constDim(_ axis: Int, _ what: String) throws -> Int {
            let dims = x.type.dims
            let i = axis < 0 ? dims.count + axis : axis
            guard i >= 0 && i < dims.count, let c = dims[i].constant else {
                throw RuntimeError(RuntimeCode.shape, "`\(call.spec.name)` needs a fixed \(what), found input \(x.type)", at: span)
            }
            return c
        }
        // A width-bearing layer's width under a vertical width split: scaled, unless the layer
        // keeps it (`keep_width: true`, for widths read from the input, which is already split).
        func width(_ w: Int, multiple: Int = 1) throws -> Int {
            if try bool(a["keep_width"], "keep_width", span: argSpan("keep_width")) { return w }
            return ctx.scaledWidth(w, multiple: multiple)
        }
        let rank = x.type.rank
        switch call.layer {
        case .linear:
            let inF = try constDim(-1, "number of input features (last axis)")
            let units = try width(try positiveInt(a["units"], "units", span: argSpan("units")))
            let path = ctx.layerPath("linear")
            let bound = 1 / Float(inF).squareRoot()
            let w = try ctx.parameter(path, "weight", shape: [units, inF], initializer: .kaimingUniform(fanIn: inF, negativeSlope: Float(5).squareRoot()), span: span)
            let bias = try bool(a["bias"], "bias", span: span)
                ? try ctx.parameter(path, "bias", shape: [units], initializer: .uniform(low: -bound, high: bound), span: span) : nil
            return try lastAxisAffine(x, rank: rank, outFeatures: units, b: b) { x2 in
                try b.matmul(x2, w, transposeB: true, bias: bias, name: leaf(path))
            }
        case .plinear:
            let inF = try constDim(-1, "number of input features (last axis)")
            let p = try positiveInt(a["partitions"], "partitions", span: argSpan("partitions"))
            let units = try width(try positiveInt(a["units"], "units", span: argSpan("units")), multiple: p)
            guard inF % p == 0, units % p == 0 else {
                throw RuntimeError(RuntimeCode.shape, "`plinear` with \(p) partitions needs input (\(inF)) and output (\(units)) widths divisible by \(p)", at: span)
            }
            let path = ctx.layerPath("plinear")
            let fanIn = inF / p
            let w = try ctx.parameter(path, "weight", shape: [p, units / p, inF / p],
                                      initializer: .kaimingUniform(fanIn: fanIn, negativeSlope: Float(5).squareRoot()), span: span)
            var y = try lastAxisAffine(x, rank: rank, outFeatures: units, b: b) { x2 in try b.partitionedLinear(x2, w, name: leaf(path)) }
            if try bool(a["bias"], "bias", span: span) {
                let bound = 1 / Float(fanIn).squareRoot()
                y = try b.add(y, try ctx.parameter(path, "bias", shape: [units], initializer: .uniform(low: -bound, high: bound), span: span))
            }
            if try bool(a["shuffle"], "shuffle", span: span), p > 1 { y = try b.shuffle(y, axis: y.type.rank - 1, groups: p) }
            return y
        case .conv2d, .depthwise:
            guard rank == 4 else {
                throw RuntimeError(RuntimeCode.shape, "`\(call.spec.name)` needs an image batch [N, C, H, W], found \(x.type)", at: span)
            }
            let cin = try constDim(1, "channel count")
            let k = try positiveInt(a["kernel"], "kernel", span: argSpan("kernel"))
            let stride = try positiveInt(a["stride"], "stride", span: argSpan("stride"))
            let depthwise = call.layer == .depthwise
            let dilation = depthwise ? 1 : try positiveInt(a["dilation"], "dilation", span: argSpan("dilation"))
            let groups = depthwise ? cin : try positiveInt(a["groups"], "groups", span: argSpan("groups"))
            // Sizes below are user-written and may be huge: products are checked or saturate,
            // and the weight's shape check (GraphBuilder.parameter) reports a layer too large.
            let multiplier = depthwise ? try positiveInt(a["multiplier"], "multiplier", span: argSpan("multiplier")) : 1
            let (channels, tooMany) = cin.multipliedReportingOverflow(by: multiplier)
            if tooMany {
                throw RuntimeError(RuntimeCode.shape, "`depthwise`: \(cin) channels times multiplier \(multiplier) is too large", at: argSpan("multiplier"))
            }
            let filters = depthwise ? channels
                : try width(try positiveInt(a["filters"], "filters", span: argSpan("filters")), multiple: groups == 1 ? 1 : groups)
            guard cin % groups == 0, filters % groups == 0 else {
                throw RuntimeError(RuntimeCode.shape, "`\(call.spec.name)`: \(cin) input and \(filters) output channels must both be divisible by groups = \(groups)",
                                   at: argSpan("groups"))
            }
            let pad: Int
            switch a["pad"] {
            case .string("same"), .option("same"):
                guard k % 2 == 1 else { throw RuntimeError(RuntimeCode.shape, "`pad: \"same\"` needs an odd kernel", at: argSpan("pad")) }
                pad = saturatingProduct(k - 1, dilation) / 2
            case let v:
                pad = try int(v, "pad", span: argSpan("pad"))
                guard pad >= 0 else { throw RuntimeError(RuntimeCode.value, "`pad` must not be negative", at: argSpan("pad")) }
            }
            let path = ctx.layerPath(call.spec.name)
            let fanIn = saturatingProduct(cin / groups, k, k)
            let bound = 1 / Float(fanIn).squareRoot()
            let w = try ctx.parameter(path, "weight", shape: [filters, cin / groups, k, k],
                                      initializer: .kaimingUniform(fanIn: fanIn, negativeSlope: Float(5).squareRoot()), span: span)
            let bias = try bool(a["bias"], "bias", span: span)
                ? try ctx.parameter(path, "bias", shape: [filters], initializer: .uniform(low: -bound, high: bound), span: span) : nil
            return try b.conv2d(x, w, bias: bias, params: Conv2DParams(stride: (stride, stride), padding: (pad, pad),
                                                                         dilation: (dilation, dilation), groups: groups), name: leaf(path))
        case .batchnorm:
            let path = ctx.layerPath("batchnorm")
            let before = b.graph.parameters.count
            let y = try b.batchNorm(x, prefix: path, training: ctx.training,
                                    momentum: Float(try double(a["momentum"], "momentum", span: span)),
                                    eps: Float(try double(a["eps"], "eps", span: span)), name: leaf(path))
            ctx.noteParameters(b.graph.parameters[before...].map(\.name), span: span)
            return y
        case .layernorm:
            let d = try constDim(-1, "last axis")
            let path = ctx.layerPath("layernorm")
            let affine = try bool(a["affine"], "affine", span: span)
            let g = affine ? try ctx.parameter(path, "weight", shape: [d], initializer: .ones, span: span) : b.constant(try Tensor(shape: [d], floats: [Float](repeating: 1, count: d)))
            let s = affine ? try ctx.parameter(path, "bias", shape: [d], initializer: .zeros, span: span) : b.constant(try Tensor(zeros: [d]))
            return try b.layerNorm(x, gamma: g, beta: s, eps: Float(try double(a["eps"], "eps", span: span)), name: leaf(path))
        case .embedding:
            guard x.type.dtype == .int32 else {
                throw RuntimeError(RuntimeCode.shape, "`embedding` looks up integer ids, found \(x.type)", at: span,
                                   hint: "declare the input as `i32[]`")
            }
            let vocab = try positiveInt(a["vocab"], "vocab", span: argSpan("vocab"))
            let dim = try width(try positiveInt(a["dim"], "dim", span: argSpan("dim")))
            let path = ctx.layerPath("embedding")
            let table = try ctx.parameter(path, "weight", shape: [vocab, dim], initializer: .normal(mean: 0, std: 1), span: span)
            return try b.gather(table, x, name: leaf(path))
        case .positionEmbedding:
            guard rank == 3 else {
                throw RuntimeError(RuntimeCode.shape, "`position_embedding` needs tokens [N, T, d], found \(x.type)", at: span)
            }
            let t = try constDim(1, "token count"), d = try constDim(2, "width")
            let path = ctx.layerPath("position_embedding")
            return try b.add(x, try ctx.parameter(path, "weight", shape: [t, d], initializer: .normal(mean: 0, std: 0.02), span: span))
        case .relu: return try b.relu(x)
        case .leakyRelu: return try b.leakyRelu(x, slope: Float(try double(a["slope"], "slope", span: span)))
        case .gelu: return try b.gelu(x)
        case .sigmoid: return try b.sigmoid(x)
        case .tanh: return try b.tanh(x)
        case .identity: return x
        case .softmax: return try b.softmax(x, axis: try int(a["axis"], "axis", span: span))
        case .logSoftmax: return try b.logSoftmax(x, axis: try int(a["axis"], "axis", span: span))
        case .dropout:
            let p = try double(a["p"], "p", span: span)
            guard p >= 0 && p < 1 else { throw RuntimeError(RuntimeCode.value, "dropout `p` must be in [0, 1)", at: span) }
            let path = ctx.layerPath("dropout")
            return ctx.training ? try b.dropout(x, p: Float(p), seed: ctx.seed(for: path)) : x
        case .maxpool, .avgpool:
            let k = try positiveInt(a["kernel"], "kernel", span: argSpan("kernel"))
            let s = try positiveInt(a["stride"], "stride", span: argSpan("stride"))
            let p = try int(a["pad"], "pad", span: argSpan("pad"))
            guard rank == 4 else {
                throw RuntimeError(RuntimeCode.shape, "`\(call.spec.name)` needs an image batch [N, C, H, W], found \(x.type)", at: span)
            }
            return call.layer == .maxpool
                ? try b.maxPool2d(x, kernel: (k, k), stride: (s, s), padding: (p, p))
                : try b.avgPool2d(x, kernel: (k, k), stride: (s, s), padding: (p, p))
        case .globalAvgpool:
            guard rank == 4 else {
                throw RuntimeError(RuntimeCode.shape, "`global_avgpool` needs an image batch [N, C, H, W], found \(x.type)", at: span)
            }
            return try b.globalAvgPool(x)
        case .flatten:
            return rank <= 2 ? x : try b.flatten(x, startAxis: 1)
        case .reshape:
            return try b.reshape(x, try reshapeTarget(try intList(a["shape"], "shape", span: argSpan("shape")), of: x.type, span: argSpan("shape")))
        case .permute:
            let axes = try intList(a["axes"], "axes", span: argSpan("axes"))
            guard axes.sorted() == Array(0..<rank) else {
                throw RuntimeError(RuntimeCode.shape, "`permute` needs a permutation of 0..<\(rank) for input \(x.type), found \(axes)", at: argSpan("axes"))
            }
            return try b.transpose(x, axes)
        case .channelShuffle:
            let g = try positiveInt(a["groups"], "groups", span: argSpan("groups"))
            return try b.shuffle(x, axis: rank == 4 ? 1 : rank - 1, groups: g)
        case .slice:
            var axis = try int(a["axis"], "axis", span: argSpan("axis"))
            if axis < 0 { axis += rank }
            guard axis > 0 && axis < rank else {
                throw RuntimeError(RuntimeCode.shape, "`slice` axis must be a per-sample axis of \(x.type)", at: argSpan("axis"))
            }
            let n = try constDim(axis, "axis length")
            var s = try int(a["start"], "start", span: span), e = try int(a["end"], "end", span: span)
            if s < 0 { s += n }
            if e < 0 { e += n }
            guard 0 <= s && s < e && e <= n else {
                throw RuntimeError(RuntimeCode.shape, "`slice` range \(s)..<\(e) is empty or outside 0..<\(n)", at: span)
            }
            return try b.slice(x, axis: axis, start: Dim(s), size: Dim(e - s))
        case .sum: return try lowerReduction(.sum, call, x, b: b, span: span)
        case .mean: return try lowerReduction(.mean, call, x, b: b, span: span)
        case .max: return try lowerReduction(.max, call, x, b: b, span: span)
        case .min: return try lowerReduction(.min, call, x, b: b, span: span)
        }
    }

    /// `sum`, `mean`, `max`, `min` over axes (default: every per-sample axis).
    private func lowerReduction(_ r: ReductionLayer, _ call: BuiltinLayerCall, _ x: GraphValue, b: GraphBuilder,
                                span: SourceSpan) throws -> GraphValue {
        let a = call.arguments
        let rank = x.type.rank
        func argSpan(_ n: String) -> SourceSpan { a.span(of: n) ?? span }
        var axes: [Int]
        switch a["axis"] {
        // Every per-sample axis; a tensor whose batch axis was reduced away too (rank 0) has none
        // left, and `1..<0` would trap.
        case .none: axes = rank > 1 ? Array(1..<rank) : []
        case .list: axes = try intList(a["axis"], "axis", span: argSpan("axis"))
        case let v: axes = [try int(v, "axis", span: argSpan("axis"))]
        }
        axes = axes.map { $0 < 0 ? $0 + rank : $0 }
        guard axes.allSatisfy({ $0 >= 0 && $0 < rank }) else {
            throw RuntimeError(RuntimeCode.shape, "axis out of range for \(x.type)", at: argSpan("axis"))
        }
        let op: ReduceOp
        switch r {
        case .sum: op = .sum
        case .mean: op = .mean
        case .max: op = .max
        case .min:
            // min(x) = -max(-x)
            return try b.neg(try b.reduce(.max, try b.neg(x), axes: axes, keepDims: try bool(a["keepdims"], "keepdims", span: span)))
        }
        return try b.reduce(op, x, axes: axes, keepDims: try bool(a["keepdims"], "keepdims", span: span))
    }

    /// The last component of a layer path (`features.conv2d_2` → `conv2d_2`): the builder adds
    /// the scope, so node names match parameter names.
    private func leaf(_ path: String) -> String {
        // The text after the last dot, without splitting the whole path into an array.
        guard let dot = path.utf8.lastIndex(of: UInt8(ascii: ".")) else { return path }
        return String(path[path.utf8.index(after: dot)...])
    }

    /// Applies `f` to the last axis of `x` (rank ≥ 2): rank-3+ inputs fold their leading axes.
    private func lastAxisAffine(_ x: GraphValue, rank: Int, outFeatures: Int, b: GraphBuilder,
                                _ f: (GraphValue) throws -> GraphValue) throws -> GraphValue {
        if rank == 2 { return try f(x) }
        guard rank > 2 else { throw GraphError(op: "linear", "needs at least [N, features], got \(x.type)") }
        let dims = x.type.dims
        let lead = dims.dropLast().reduce(Dim(1), *)
        let y = try f(try b.reshape(x, [lead, dims.last!]))
        return try b.reshape(y, Array(dims.dropLast()) + [Dim(outFeatures)])
    }

    /// Resolves a reshape target with at most one -1 against the input's (symbolic) size.
    func reshapeTarget(_ target: [Int], of t: TensorType, span: SourceSpan) throws -> [Dim] {
        let total = t.dims.reduce(Dim(1), *)
        guard target.filter({ $0 == -1 }).count <= 1, target.allSatisfy({ $0 == -1 || $0 > 0 }) else {
            throw RuntimeError(RuntimeCode.shape, "a reshape target has positive sizes and at most one -1, found \(target)", at: span)
        }
        let known = saturatingProduct(target.filter { $0 != -1 })
        guard known < ShapeLimits.maxElements else {
            throw RuntimeError(RuntimeCode.shape, "cannot reshape \(t) to \(target): the target has too many elements", at: span)
        }
        guard let i = target.firstIndex(of: -1) else {
            let dims = target.map { Dim($0) }
            guard dims.reduce(Dim(1), *) == total else {
                throw RuntimeError(RuntimeCode.shape, "cannot reshape \(t) to \(target): the batch size would change", at: span,
                                   hint: "use -1 for the batch axis, e.g. [-1, …]")
            }
            return dims
        }
        guard let inferred = total.divided(by: Dim(known)) else {
            throw RuntimeError(RuntimeCode.shape, "cannot reshape \(t) to \(target): \(known) does not divide its size", at: span)
        }
        var dims = target.map { Dim($0) }
        dims[i] = inferred
        return dims
    }
}
