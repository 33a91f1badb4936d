// What narrowing the weights does to a model's outputs, so `dcl inspect` shows the accuracy
// cost of `quantize: f16 | int8` and not only each tensor's round-trip error: the model runs
// on one seeded probe batch with its float32 weights and with the weights as stored, and the
// float outputs are compared (max |y − ŷ|, relative to max |y|, and RMS).
//
// The probe is synthetic — float inputs uniform in [0, 1) (the range pixel data is scaled to),
// integer ids uniform over the smallest embedding table they index — so the numbers compare
// storage choices for one model; they do not replace evaluating on data.

import DCLGraph
import DCLTensor

public enum QuantizationProbe {
    /// Samples in the probe batch.
    public static let batch = 8

    /// The output error under `storage`, or nil for float32 storage or a model without float
    /// outputs.
    public static func outputError(_ graph: Graph, weights: [String: Tensor], storage: WeightStorage,
                                   channelAxes: [String: Int], seed: UInt64 = 0x5eed) throws -> QuantizationError? {
        if case .float32 = storage { return nil }
        let floatOutputs = graph.outputs.filter { graph.type(of: $0.value).dtype == .float32 }
        guard !floatOutputs.isEmpty else { return nil }
        let reference = ParameterStore(tensors: weights)
        let stored = ParameterStore()
        for (name, t) in weights {
            stored.tensors[name] = try StoredWeight(name: name, tensor: t, storage: storage, channelAxis: channelAxes[name]).restored()
        }
        let feeds = try probeInputs(graph, batch: batch, seed: seed)
        let executor = try Executor(graph: graph)
        let want = try executor.run(inputs: feeds, store: reference)
        let got = try executor.run(inputs: feeds, store: stored)
        var original: [Float] = [], restored: [Float] = []
        for o in floatOutputs {
            original += want[o.name]!.floats
            restored += got[o.name]!.floats
        }
        return QuantizationError(original: original, restored: restored)
    }

    /// Seeded inputs for every graph input at `batch` samples: floats uniform in [0, 1), ids
    /// uniform over the smallest embedding table they index.
    public static func probeInputs(_ graph: Graph, batch: Int, seed: UInt64) throws -> [String: Tensor] {
        var rng = SeededGenerator(seed: seed)
        var feeds: [String: Tensor] = [:]
        for input in graph.inputs {
            let t = graph.type(of: input.value)
            let shape = try t.shape(["N": batch])
            let n = shape.reduce(1, *)
            if t.dtype == .float32 {
                feeds[input.name] = try Tensor(shape: shape, floats: (0..<n).map { _ in rng.nextUnitFloat() })
            } else {
                let vocab = max(1, tableRows(indexedBy: input.value, graph) ?? 1)
                feeds[input.name] = try Tensor(shape: shape, ints: (0..<n).map { _ in Int32(Int(rng.nextUnitFloat() * Float(vocab)) % vocab) })
            }
        }
        return feeds
    }

    /// Rows of the smallest table a gather reads with `ids`.
    static func tableRows(indexedBy ids: ValueID, _ graph: Graph) -> Int? {
        graph.nodes.filter { $0.op is GatherRows && $0.inputs[1] == ids }
            .compactMap { graph.type(of: $0.inputs[0]).dims.first?.constant }.min()
    }
}
