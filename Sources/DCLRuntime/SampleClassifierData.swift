// The training set of CoDA's sample classifier (RetrievalProtocol's `classifier` filter): one
// row per sample, [item embedding ; genres], the device's local samples labelled 1 against the
// cloud candidates labelled 0. One function, called by the in-process run and by a device host
// repeating the service's derivation (Deploy/DeviceWorker.swift), so both build the same rows.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLTensor

enum SampleClassifierData {
    /// An item-embedding table: `values` holds `values.count / dim` rows of `dim` floats.
    typealias Embeddings = (values: [Float], dim: Int)

    /// Per-sample features: [item embedding ; genres]. The label is left out on purpose: with
    /// it the classifier learns the local positive rate and keeps positive-heavy candidates,
    /// which miscalibrates the fine-tuned model (log-loss rose).
    static func features(_ d: Dataset, embeddings table: Embeddings?, span: SourceSpan) throws -> [[Float]] {
        let genres = d.hasColumn("genres") ? try d.column("genres") : nil
        guard table != nil || genres != nil else {
            throw RuntimeError(RuntimeCode.data, "the sample classifier needs item features: use `knn(model: …)` with an item embedding, or load genres with `movies:`",
                               at: span)
        }
        let items = try d.column("item").ints
        let gw = genres.map { $0.count / max(1, d.count) } ?? 0
        let gv = genres?.floats ?? []
        return (0..<d.count).map { i in
            var f: [Float] = []
            if let (t, dim) = table {
                let it = Int(items[i])
                f += it >= 0 && it < t.count / dim ? Array(t[(it * dim)..<(it * dim + dim)]) : [Float](repeating: 0, count: dim)
            }
            if gw > 0 { f += gv[(i * gw)..<(i * gw + gw)] }
            return f
        }
    }

    /// Local samples (label 1) against candidates (label 0), as the `features` and `y` columns.
    /// Local samples are repeated up to the candidates' count: few local samples against many
    /// candidates would push every score below the threshold.
    static func trainingSet(local localData: Dataset, candidates: Dataset, embeddings: Embeddings?, device: Int,
                            span: SourceSpan) throws -> Dataset {
        try trainingSet(local: try features(localData, embeddings: embeddings, span: span),
                        outside: try features(candidates, embeddings: embeddings, span: span), device: device, span: span)
    }

    /// The same from the samples' features (the service scores the candidates with theirs).
    static func trainingSet(local features: [[Float]], outside: [[Float]], device: Int, span: SourceSpan) throws -> Dataset {
        var local = features
        if !local.isEmpty, local.count < outside.count {
            let base = local
            while local.count < outside.count { local += base.prefix(outside.count - local.count) }
        }
        guard let width = (local.first ?? outside.first)?.count else {
            throw RuntimeError(RuntimeCode.data, "the sample classifier of device \(device) has no samples to train on", at: span)
        }
        let xs = (local + outside).flatMap { $0 }
        let ys = [Float](repeating: 1, count: local.count) + [Float](repeating: 0, count: outside.count)
        let n = ys.count
        do {
            return try Dataset(columns: [("features", try Tensor(shape: [n, width], floats: xs)), ("y", try Tensor(shape: [n], floats: ys))],
                               classCount: 2, source: "local vs outside samples of device \(device)")
        } catch let e as DataError {
            throw RuntimeError(RuntimeCode.data, e.description, at: span)
        }
    }

    /// The embedding table as a tensor to send, and back.
    static func tensor(_ e: Embeddings) throws -> Tensor { try Tensor(shape: [e.values.count / e.dim, e.dim], floats: e.values) }
}
