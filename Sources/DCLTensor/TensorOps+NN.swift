// Tensor-level entry points for the neural-network kernels: convolution, pooling,
// normalisation, dropout, losses and the no-gradient selection utilities.

extension Kernels {
    public static func conv2d(_ x: Tensor, _ w: Tensor, bias: Tensor? = nil, params: Conv2DParams = Conv2DParams(),
                              activation: Activation = .identity, pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(x, "conv2d"); try requireFloat(w, "conv2d")
        let s = try Conv2D.plan(input: x.shape, weight: w.shape, params: params)
        if let bias {
            try requireFloat(bias, "conv2d")
            guard bias.shape == [s.cout] else { throw TensorError("conv2d", "bias \(formatShape(bias.shape)) must be [\(s.cout)]") }
        }
        let out = try Tensor(zeros: [s.n, s.cout, s.oh, s.ow])
        Conv2D.forward(fptr(x), fptr(w), bias: bias.map(fptr), mptr(out), s, activation: activation, pool: pool)
        return out
    }

    public static func conv2dBackwardInput(_ dy: Tensor, _ w: Tensor, inputShape: [Int], params: Conv2DParams = Conv2DParams(),
                                           pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(dy, "conv2d_grad_input"); try requireFloat(w, "conv2d_grad_input")
        let s = try Conv2D.plan(input: inputShape, weight: w.shape, params: params, op: "conv2d_grad_input")
        guard dy.shape == [s.n, s.cout, s.oh, s.ow] else {
            throw TensorError("conv2d_grad_input", "gradient \(formatShape(dy.shape)) does not match output [\(s.n), \(s.cout), \(s.oh), \(s.ow)]")
        }
        let out = try Tensor(zeros: inputShape)
        Conv2D.backwardInput(fptr(dy), fptr(w), mptr(out), s, pool: pool)
        return out
    }

    public static func conv2dBackwardWeight(_ x: Tensor, _ dy: Tensor, weightShape: [Int], params: Conv2DParams = Conv2DParams(),
                                            pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(x, "conv2d_grad_weight"); try requireFloat(dy, "conv2d_grad_weight")
        let s = try Conv2D.plan(input: x.shape, weight: weightShape, params: params, op: "conv2d_grad_weight")
        guard dy.shape == [s.n, s.cout, s.oh, s.ow] else {
            throw TensorError("conv2d_grad_weight", "gradient \(formatShape(dy.shape)) does not match output [\(s.n), \(s.cout), \(s.oh), \(s.ow)]")
        }
        let out = try Tensor(zeros: weightShape)
        Conv2D.backwardWeight(fptr(x), fptr(dy), mptr(out), s, pool: pool)
        return out
    }

    public static func pool2d(_ kind: PoolKind, _ x: Tensor, kernel: (Int, Int), params: Conv2DParams,
                              pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(x, "\(kind.rawValue)_pool2d")
        let shape = try Pooling.outputShape(input: x.shape, kernel: kernel, params: params, op: "\(kind.rawValue)_pool2d")
        let out = try Tensor(zeros: shape)
        Pooling.forward(kind, fptr(x), inShape: x.shape, mptr(out), outShape: shape, kernel: kernel, params: params, pool: pool)
        return out
    }

    public static func pool2dBackward(_ kind: PoolKind, x: Tensor, dy: Tensor, kernel: (Int, Int), params: Conv2DParams,
                                      pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(x, "\(kind.rawValue)_pool2d_grad"); try requireFloat(dy, "\(kind.rawValue)_pool2d_grad")
        let shape = try Pooling.outputShape(input: x.shape, kernel: kernel, params: params, op: "\(kind.rawValue)_pool2d_grad")
        guard dy.shape == shape else { throw TensorError("\(kind.rawValue)_pool2d_grad", "gradient \(formatShape(dy.shape)) ≠ output \(formatShape(shape))") }
        let out = try Tensor(zeros: x.shape)
        Pooling.backward(kind, x: fptr(x), dy: fptr(dy), dx: mptr(out), inShape: x.shape, outShape: shape, kernel: kernel, params: params, pool: pool)
        return out
    }

    /// Layer norm over the last axis; returns (y, mean, invStd).
    public static func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, eps: Float = 1e-5,
                                 pool: ThreadPool = .shared) throws -> (Tensor, Tensor, Tensor) {
        try requireFloat(x, "layer_norm"); try requireFloat(gamma, "layer_norm"); try requireFloat(beta, "layer_norm")
        guard let d = x.shape.last, gamma.shape == [d], beta.shape == [d] else {
            throw TensorError("layer_norm", "γ \(formatShape(gamma.shape)) and β \(formatShape(beta.shape)) must match the last axis of \(formatShape(x.shape))")
        }
        let rows = x.count / max(1, d)
        let y = try Tensor(zeros: x.shape), m = try Tensor(zeros: Array(x.shape.dropLast())), s = try Tensor(zeros: Array(x.shape.dropLast()))
        Normalization.layerNorm(fptr(x), rows: rows, d: d, gamma: fptr(gamma), beta: fptr(beta), eps: eps,
                                y: mptr(y), mean: mptr(m), invStd: mptr(s), pool: pool)
        return (y, m, s)
    }

    public static func crossEntropy(_ logits: Tensor, labels: Tensor, smoothing: Float = 0, pool: ThreadPool = .shared) throws -> Float {
        try requireFloat(logits, "cross_entropy"); try requireInt(labels, "cross_entropy")
        guard logits.rank == 2, labels.shape == [logits.shape[0]] else {
            throw TensorError("cross_entropy", "logits \(formatShape(logits.shape)) must be (N, C) and labels \(formatShape(labels.shape)) (N)")
        }
        return try Losses.crossEntropy(fptr(logits), labels: iptr(labels), rows: logits.shape[0], classes: logits.shape[1],
                                       smoothing: smoothing, pool: pool)
    }

    /// Cosine similarity matrix of the rows of a (n, d) and b (m, d).
    public static func cosineSimilarity(_ a: Tensor, _ b: Tensor, pool: ThreadPool = .shared) throws -> Tensor {
        try requireFloat(a, "cosine_similarity"); try requireFloat(b, "cosine_similarity")
        guard a.rank == 2, b.rank == 2, a.shape[1] == b.shape[1] else {
            throw TensorError("cosine_similarity", "operands \(formatShape(a.shape)) and \(formatShape(b.shape)) must be (n, d) and (m, d)")
        }
        let out = try Tensor(zeros: [a.shape[0], b.shape[0]])
        Similarity.cosineMatrix(fptr(a), n: a.shape[0], fptr(b), m: b.shape[0], d: a.shape[1], mptr(out), pool: pool)
        return out
    }

    /// The k largest values along the last axis and their int32 indices.
    public static func topK(_ x: Tensor, k: Int) throws -> (values: Tensor, indices: Tensor) {
        try requireFloat(x, "top_k")
        guard let n = x.shape.last, k >= 0, k <= n else {
            throw TensorError("top_k", "k = \(k) is out of range for \(formatShape(x.shape))")
        }
        let shape = Array(x.shape.dropLast()) + [k]
        let v = try Tensor(zeros: shape), i = try Tensor(zeros: shape, dtype: .int32)
        Similarity.topK(fptr(x), rows: x.count / max(1, n), n: n, k: k, values: mptr(v),
                        indices: i.storage.bytes.assumingMemoryBound(to: Int32.self))
        return (v, i)
    }

    public static func argmax(_ x: Tensor, axis: Int) throws -> Tensor {
        try requireFloat(x, "argmax")
        let ax = try Reduction.normalizeAxes([axis], rank: x.rank, op: "argmax")[0]
        guard x.shape[ax] > 0 else { throw TensorError("argmax", "axis \(ax) of \(formatShape(x.shape)) is empty") }
        var shape = x.shape
        shape.remove(at: ax)
        let out = try Tensor(zeros: shape, dtype: .int32)
        Similarity.argmax(fptr(x), shape: x.shape, axis: ax, out.storage.bytes.assumingMemoryBound(to: Int32.self))
        return out
    }
}
