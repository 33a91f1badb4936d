// Small hand-built ONNX graphs covering the ops and attribute kinds dcl's lowering will emit,
// each with seeded inputs and the output the reference implementations compute. Used by the
// round-trip tests and by the Python cross-check (onnx.checker + ONNX Runtime).

import DCLTensor
@testable import DCLExport

/// One test graph: the model, its inputs, and the expected outputs.
struct ONNXCase {
    enum Input {
        case floats(Ref)
        case int64s(shape: [Int], values: [Int64])
    }
    var name: String
    var model: ONNXModel
    var inputs: [Input]
    var expected: [Ref]
}

private let batch = 2

private func tensor(_ r: Ref) throws -> Tensor { try Tensor(shape: r.shape, floats: r.values) }

func allONNXCases() throws -> [ONNXCase] {
    [try mlpCase(storage: .float32, name: "mlp"),
     try mlpCase(storage: .float16, name: "mlp_f16"),
     try mlpCase(storage: .int8(perChannel: true), name: "mlp_int8_channel"),
     try mlpCase(storage: .int8(perChannel: false), name: "mlp_int8_tensor"),
     try convCase(), try layerNormCase(), try softmaxCase(), try matmulCase(), try transposeReshapeCase(),
     try gatherCase(), try attributeKindsCase()]
}

/// Gemm + Relu + Gemm, with weights stored per `storage` (decoded by Cast/DequantizeLinear).
func mlpCase(storage: WeightStorage, name: String) throws -> ONNXCase {
    let x = Ref([batch, 4], seed: 1)
    let w1 = Ref([8, 4], seed: 2), b1 = Ref([8], seed: 3), w2 = Ref([3, 8], seed: 4), b2 = Ref([3], seed: 5)
    var g = ONNXGraphBuilder(name: name, weightStorage: storage)
    try g.addInput("x", shape: ONNXDimension.batched([4]))
    let sw1 = try StoredWeight(name: "fc1.weight", tensor: try tensor(w1), storage: storage, channelAxis: 0)
    let sw2 = try StoredWeight(name: "fc2.weight", tensor: try tensor(w2), storage: storage, channelAxis: 0)
    let sb1 = try StoredWeight(name: "fc1.bias", tensor: try tensor(b1), storage: storage)
    let sb2 = try StoredWeight(name: "fc2.bias", tensor: try tensor(b2), storage: storage)
    for w in [sw1, sb1, sw2, sb2] { try g.addWeight(w) }
    let transB = [ONNXAttribute("transB", .int(1))]
    let h = try g.addNode("Gemm", inputs: ["x", "fc1.weight", "fc1.bias"], attributes: transB)[0]
    let r = try g.addNode("Relu", inputs: [h])[0]
    try g.addNode("Gemm", inputs: [r, "fc2.weight", "fc2.bias"], outputs: ["y"], attributes: transB)
    try g.addOutput("y", shape: ONNXDimension.batched([3]))
    // The expectation uses the weights as stored, so it checks the decode nodes exactly.
    func stored(_ w: StoredWeight) -> Ref { Ref(w.shape, w.restored().floats) }
    let y = refGemmTransB(refRelu(refGemmTransB(x, stored(sw1), stored(sb1))), stored(sw2), stored(sb2))
    return ONNXCase(name: name, model: try g.build(producerVersion: "test"), inputs: [.floats(x)], expected: [y])
}

/// Conv (STRING auto_pad, INTS pads) + MaxPool + Flatten (INT axis).
func convCase() throws -> ONNXCase {
    let x = Ref([batch, 1, 6, 6], seed: 10), w = Ref([2, 1, 3, 3], seed: 11), b = Ref([2], seed: 12)
    var g = ONNXGraphBuilder(name: "conv")
    try g.addInput("image", shape: ONNXDimension.batched([1, 6, 6]))
    try g.addWeight("conv.weight", tensor: try tensor(w))
    try g.addWeight("conv.bias", tensor: try tensor(b))
    let c = try g.addNode("Conv", inputs: ["image", "conv.weight", "conv.bias"], attributes: [
        ONNXAttribute("auto_pad", .string("NOTSET")), ONNXAttribute("kernel_shape", .ints([3, 3])),
        ONNXAttribute("pads", .ints([1, 1, 1, 1])), ONNXAttribute("strides", .ints([1, 1]))])[0]
    let p = try g.addNode("MaxPool", inputs: [c], attributes: [
        ONNXAttribute("kernel_shape", .ints([2, 2])), ONNXAttribute("strides", .ints([2, 2]))])[0]
    try g.addNode("Flatten", inputs: [p], outputs: ["features"], attributes: [ONNXAttribute("axis", .int(1))])
    try g.addOutput("features", shape: ONNXDimension.batched([18]))
    let pooled = refMaxPool(refConv(x, w, b, pad: 1), k: 2)
    return ONNXCase(name: "conv", model: try g.build(producerVersion: "test"), inputs: [.floats(x)],
                    expected: [Ref([batch, 18], pooled.values)])
}

/// LayerNormalization (opset 17) with FLOAT epsilon.
func layerNormCase() throws -> ONNXCase {
    let x = Ref([batch, 3, 4], seed: 20, scale: 3), s = Ref([4], seed: 21), b = Ref([4], seed: 22)
    var g = ONNXGraphBuilder(name: "layernorm")
    try g.addInput("x", shape: ONNXDimension.batched([3, 4]))
    try g.addWeight("ln.scale", tensor: try tensor(s))
    try g.addWeight("ln.bias", tensor: try tensor(b))
    try g.addNode("LayerNormalization", inputs: ["x", "ln.scale", "ln.bias"], outputs: ["y"],
                  attributes: [ONNXAttribute("axis", .int(-1)), ONNXAttribute("epsilon", .float(1e-5))])
    try g.addOutput("y", shape: ONNXDimension.batched([3, 4]))
    return ONNXCase(name: "layernorm", model: try g.build(producerVersion: "test"), inputs: [.floats(x)],
                    expected: [refLayerNorm(x, scale: s, bias: b, epsilon: 1e-5)])
}

func softmaxCase() throws -> ONNXCase {
    let x = Ref([batch, 5], seed: 30, scale: 4)
    var g = ONNXGraphBuilder(name: "softmax")
    try g.addInput("logits", shape: ONNXDimension.batched([5]))
    try g.addNode("Softmax", inputs: ["logits"], outputs: ["probs"], attributes: [ONNXAttribute("axis", .int(-1))])
    try g.addOutput("probs", shape: ONNXDimension.batched([5]))
    return ONNXCase(name: "softmax", model: try g.build(producerVersion: "test"), inputs: [.floats(x)], expected: [refSoftmax(x)])
}

/// MatMul with batch dimensions: two batched inputs, then a broadcast 2-D weight.
func matmulCase() throws -> ONNXCase {
    let a = Ref([batch, 2, 3, 4], seed: 40), b = Ref([batch, 2, 4, 5], seed: 41), w = Ref([5, 2], seed: 42)
    var g = ONNXGraphBuilder(name: "matmul")
    try g.addInput("a", shape: ONNXDimension.batched([2, 3, 4]))
    try g.addInput("b", shape: ONNXDimension.batched([2, 4, 5]))
    try g.addWeight("proj", tensor: try tensor(w))
    let ab = try g.addNode("MatMul", inputs: ["a", "b"])[0]
    try g.addNode("MatMul", inputs: [ab, "proj"], outputs: ["out"])
    try g.addOutput("out", shape: ONNXDimension.batched([2, 3, 2]))
    return ONNXCase(name: "matmul", model: try g.build(producerVersion: "test"), inputs: [.floats(a), .floats(b)],
                    expected: [refMatMul(refMatMul(a, b), w)])
}

/// Transpose (INTS perm) then Reshape with an INT64 shape constant keeping the batch ([0, -1]) —
/// the ICIIA feature shuffle's building blocks.
func transposeReshapeCase() throws -> ONNXCase {
    let x = Ref([batch, 2, 3, 4], seed: 50)
    var g = ONNXGraphBuilder(name: "shuffle")
    try g.addInput("x", shape: ONNXDimension.batched([2, 3, 4]))
    let t = try g.addNode("Transpose", inputs: ["x"], attributes: [ONNXAttribute("perm", .ints([0, 2, 1, 3]))])[0]
    let shape = try g.addConstant("flat_shape", int64s: [0, -1])
    try g.addNode("Reshape", inputs: [t, shape], outputs: ["y"])
    try g.addOutput("y", shape: ONNXDimension.batched([24]))
    let y = refTranspose(x, perm: [0, 2, 1, 3])
    return ONNXCase(name: "shuffle", model: try g.build(producerVersion: "test"), inputs: [.floats(x)],
                    expected: [Ref([batch, 24], y.values)])
}

/// Gather rows of an embedding table by INT64 indices (a graph input).
func gatherCase() throws -> ONNXCase {
    let table = Ref([10, 4], seed: 60)
    let indices: [Int64] = [3, 0, 9, 9, 1, 4]
    var g = ONNXGraphBuilder(name: "gather")
    try g.addInput("ids", elementType: .int64, shape: ONNXDimension.batched([3]))
    try g.addWeight("embedding", tensor: try tensor(table))
    try g.addNode("Gather", inputs: ["embedding", "ids"], outputs: ["vectors"], attributes: [ONNXAttribute("axis", .int(0))])
    try g.addOutput("vectors", shape: ONNXDimension.batched([3, 4]))
    return ONNXCase(name: "gather", model: try g.build(producerVersion: "test"),
                    inputs: [.int64s(shape: [batch, 3], values: indices)],
                    expected: [refGather(table, indices, indexShape: [batch, 3])])
}

/// Constant with a TENSOR attribute and with FLOATS, LeakyRelu with a FLOAT, and an INT32
/// initialiser cast to FLOAT.
func attributeKindsCase() throws -> ONNXCase {
    let x = Ref([batch, 3], seed: 70, scale: 2)
    let shift: [Float] = [0.5, -0.25, 1], offset: [Float] = [1, 2, 3]
    var g = ONNXGraphBuilder(name: "attributes")
    try g.addInput("x", shape: ONNXDimension.batched([3]))
    let c1 = try g.addNode("Constant", inputs: [], attributes: [
        ONNXAttribute("value", .tensor(try ONNXTensor(name: "shift", floats: shift, dims: [3])))])[0]
    let c2 = try g.addNode("Constant", inputs: [], attributes: [ONNXAttribute("value_floats", .floats(offset))])[0]
    let s = try g.addNode("Add", inputs: ["x", c1])[0]
    let l = try g.addNode("LeakyRelu", inputs: [s], attributes: [ONNXAttribute("alpha", .float(0.125))])[0]
    let steps = try g.addConstant("steps", tensor: try Tensor(shape: [3], ints: [1, -2, 3]))
    let c3 = try g.addNode("Cast", inputs: [steps], attributes: [ONNXAttribute("to", .int(Int64(ONNXDataType.float.rawValue)))])[0]
    let a = try g.addNode("Add", inputs: [l, c2])[0]
    try g.addNode("Add", inputs: [a, c3], outputs: ["y"])
    try g.addOutput("y", shape: ONNXDimension.batched([3]))
    let y = refAddLast(refAddLast(refLeakyRelu(refAddLast(x, shift), alpha: 0.125), offset), [1, -2, 3])
    return ONNXCase(name: "attributes", model: try g.build(producerVersion: "test", docString: "attribute kinds",
                                                              metadata: [ONNXMetadataEntry("purpose", "test")]),
                    inputs: [.floats(x)], expected: [y])
}
