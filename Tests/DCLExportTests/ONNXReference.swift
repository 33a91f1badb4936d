// Naive reference implementations of the ONNX ops the cross-check graphs use, written from
// the operator docs (opset 17) to compute the expected outputs ONNX Runtime must reproduce.
// Row-major float arrays with explicit shapes; clarity over speed (inputs are tiny).

import Foundation

/// A float array with its shape.
struct Ref {
    var shape: [Int]
    var values: [Float]

    init(_ shape: [Int], _ values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) needs \(shape.reduce(1, *)) values")
        self.shape = shape
        self.values = values
    }

    init(_ shape: [Int], seed: UInt64, scale: Float = 1) {
        self.init(shape, (try! randomTensor(shape, seed: seed, scale: scale)).floats)
    }

    var count: Int { values.count }
}

/// Gemm with transB = 1: Y = A · Bᵀ + C (A [M,K], B [N,K], C [N]).
func refGemmTransB(_ a: Ref, _ b: Ref, _ c: Ref) -> Ref {
    let m = a.shape[0], k = a.shape[1], n = b.shape[0]
    var y = [Float](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n {
        var s: Float = c.values[j]
        for t in 0..<k { s += a.values[i * k + t] * b.values[j * k + t] }
        y[i * n + j] = s
    } }
    return Ref([m, n], y)
}

func refRelu(_ x: Ref) -> Ref { Ref(x.shape, x.values.map { max(0, $0) }) }

func refLeakyRelu(_ x: Ref, alpha: Float) -> Ref { Ref(x.shape, x.values.map { $0 >= 0 ? $0 : alpha * $0 }) }

/// Adds `b` broadcast along the last axis.
func refAddLast(_ x: Ref, _ b: [Float]) -> Ref {
    Ref(x.shape, x.values.enumerated().map { $0.element + b[$0.offset % b.count] })
}

/// Conv (NCHW, stride 1, symmetric padding `pad`), W [Cout, Cin, KH, KW], bias [Cout].
func refConv(_ x: Ref, _ w: Ref, _ bias: Ref, pad: Int) -> Ref {
    let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (cout, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
    let oh = h + 2 * pad - kh + 1, ow = wd + 2 * pad - kw + 1
    var y = [Float](repeating: 0, count: n * cout * oh * ow)
    for b in 0..<n { for o in 0..<cout { for i in 0..<oh { for j in 0..<ow {
        var s = bias.values[o]
        for c in 0..<cin { for u in 0..<kh { for v in 0..<kw {
            let yy = i + u - pad, xx = j + v - pad
            guard yy >= 0, yy < h, xx >= 0, xx < wd else { continue }
            s += x.values[((b * cin + c) * h + yy) * wd + xx] * w.values[((o * cin + c) * kh + u) * kw + v]
        } } }
        y[((b * cout + o) * oh + i) * ow + j] = s
    } } } }
    return Ref([n, cout, oh, ow], y)
}

/// MaxPool with a k×k window and stride k (no padding).
func refMaxPool(_ x: Ref, k: Int) -> Ref {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let oh = h / k, ow = w / k
    var y = [Float](repeating: 0, count: n * c * oh * ow)
    for p in 0..<(n * c) { for i in 0..<oh { for j in 0..<ow {
        var m = -Float.infinity
        for u in 0..<k { for v in 0..<k { m = max(m, x.values[(p * h + i * k + u) * w + j * k + v]) } }
        y[(p * oh + i) * ow + j] = m
    } } }
    return Ref([n, c, oh, ow], y)
}

/// LayerNormalization over the last axis.
func refLayerNorm(_ x: Ref, scale: Ref, bias: Ref, epsilon: Float) -> Ref {
    let d = x.shape.last!
    var y = x.values
    for row in 0..<(x.count / d) {
        let slice = x.values[(row * d)..<((row + 1) * d)]
        let mean = slice.reduce(0, +) / Float(d)
        let variance = slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(d)
        let inv = 1 / (variance + epsilon).squareRoot()
        for i in 0..<d { y[row * d + i] = (x.values[row * d + i] - mean) * inv * scale.values[i] + bias.values[i] }
    }
    return Ref(x.shape, y)
}

/// Softmax over the last axis.
func refSoftmax(_ x: Ref) -> Ref {
    let d = x.shape.last!
    var y = x.values
    for row in 0..<(x.count / d) {
        let slice = x.values[(row * d)..<((row + 1) * d)]
        let m = slice.max()!
        let e = slice.map { Float(Foundation.exp(Double($0 - m))) }
        let s = e.reduce(0, +)
        for i in 0..<d { y[row * d + i] = e[i] / s }
    }
    return Ref(x.shape, y)
}

/// MatMul of [..., M, K] by [..., K, N] with equal leading (batch) dimensions, or by a 2-D
/// [K, N] broadcast over them.
func refMatMul(_ a: Ref, _ b: Ref) -> Ref {
    let m = a.shape[a.shape.count - 2], k = a.shape.last!, n = b.shape.last!
    let batch = a.count / (m * k)
    let bBatched = b.shape.count > 2
    var y = [Float](repeating: 0, count: batch * m * n)
    for p in 0..<batch { for i in 0..<m { for j in 0..<n {
        var s: Float = 0
        for t in 0..<k { s += a.values[(p * m + i) * k + t] * b.values[((bBatched ? p : 0) * k + t) * n + j] }
        y[(p * m + i) * n + j] = s
    } } }
    return Ref(Array(a.shape.dropLast()) + [n], y)
}

/// Transpose with permutation `perm`.
func refTranspose(_ x: Ref, perm: [Int]) -> Ref {
    let outShape = perm.map { x.shape[$0] }
    var inStrides = [Int](repeating: 1, count: x.shape.count)
    for i in stride(from: x.shape.count - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * x.shape[i + 1] }
    var y = [Float](repeating: 0, count: x.count)
    var index = [Int](repeating: 0, count: outShape.count)
    for flat in 0..<x.count {
        var rest = flat
        for d in stride(from: outShape.count - 1, through: 0, by: -1) { index[d] = rest % outShape[d]; rest /= outShape[d] }
        var src = 0
        for d in 0..<outShape.count { src += index[d] * inStrides[perm[d]] }
        y[flat] = x.values[src]
    }
    return Ref(outShape, y)
}

/// Gather along axis 0 of a 2-D table.
func refGather(_ table: Ref, _ indices: [Int64], indexShape: [Int]) -> Ref {
    let d = table.shape[1]
    var y: [Float] = []
    for i in indices { y += table.values[(Int(i) * d)..<((Int(i) + 1) * d)] }
    return Ref(indexShape + [d], y)
}
