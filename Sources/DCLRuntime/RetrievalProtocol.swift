// CoDA's retrieval: the cloud matches a device's user against the users of its global pool
// (coarse), the device filters the candidates with a personal sample classifier (fine), and the
// model trains on local + kept samples.
//
// Coarse strategies: `knn` — the top-m users by similarity of their embeddings in the cloud
// model (the embedding table its `user` input looks up); `overlap` — the top-m users by the size
// of the item set they share with the device (distance 1/|Iu ∩ Iv|); `random_users` — m users at
// random. The device's own samples are never part of the candidates.
//
// Fine strategies: `classifier` — a logistic-regression (or MLP) sample classifier trained on
// the device, local samples labelled 1 and candidates 0; a candidate is kept when P(local) > τ.
// A sample's features are the item's embedding in the cloud model (when `knn` names one), the
// item's genres (when loaded) and its label. `greedy` — in matched order, a user's samples are
// kept only if trial-training on local + kept + them raises the model's AUC on the local data.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLGraph
import DCLSema
import DCLTensor

struct RetrievalProtocol {
    let session: Session
    let evaluator: Evaluator

    func call(_ r: RetrievalValue, _ method: RetrievalMethod, _ a: BoundArguments, span: SourceSpan) throws -> DCLCompiler.Value {
        guard case .client(let client) = a["client"] else {
            throw RuntimeError(RuntimeCode.type, "`\(method.rawValue)` needs a device (a client), found \(a["client"].kindName)", at: span)
        }
        // What a retrieval returns are cloud samples bound for the device (they may be read in
        // the service, sent down, and joined to the device's own data there).
        switch method {
        case .retrieve:
            let candidates = try retrieve(r, client, pool: try pool(a["pool"], span: span), span: span)
            return .dataset(DataValue(candidates, side: .device, origin: "\(r.name).retrieve", derivation: .cloud(candidates)))
        case .filter:
            guard case .dataset(let c) = a["candidates"] else { throw RuntimeError(RuntimeCode.type, "`filter` needs candidate samples", at: span) }
            if session.deviceExecutor != nil, c.holdsDeviceSamples {
                throw Deployment.inService("`\(r.name).filter`", origin: c.origin, span: span)
            }
            let kept = try filter(r, client, candidates: c.dataset, span: span)
            return .dataset(DataValue(kept, side: .device, origin: "\(r.name).filter", derivation: .cloud(kept)))
        case .augment:
            let candidates = try retrieve(r, client, pool: try pool(a["pool"], span: span), span: span)
            let kept = try filter(r, client, candidates: candidates, span: span)
            let (data, derivation) = try concat([(client.data.train, client.location(.train).map { DeviceDerivation.part($0) }), (kept, .cloud(kept))], span: span)
            return .dataset(DataValue(data, side: .device, origin: "\(r.name).augment", derivation: derivation))
        }
    }

    func pool(_ v: DCLCompiler.Value, span: SourceSpan) throws -> Dataset {
        guard case .dataset(let d) = v else { throw RuntimeError(RuntimeCode.type, "the pool must be a dataset, found \(v.kindName)", at: span) }
        if d.side == .device {
            throw RuntimeError(RuntimeCode.deviceSamplesToCloud, "the retrieval pool `\(d.origin)` holds device samples; it must be cloud data", at: span)
        }
        return d.dataset
    }

    /// The non-empty parts joined (the first part when all are empty), with how a device's
    /// host makes the same (nil when a part has no derivation).
    func concat(_ parts: [(Dataset, DeviceDerivation?)], span: SourceSpan) throws -> (Dataset, DeviceDerivation?) {
        let used = parts.filter { $0.0.count > 0 }.isEmpty ? [parts[0]] : parts.filter { $0.0.count > 0 }
        let derivations = used.compactMap(\.1)
        do {
            return (try Dataset.concatenate(used.map(\.0)), derivations.count == used.count ? .concat(derivations) : nil)
        } catch let e as DataError {
            throw RuntimeError(RuntimeCode.data, e.description, at: span)
        }
    }

    /// The device's user index (its samples' group).
    func userOf(_ c: ClientValue, span: SourceSpan) throws -> Int32 {
        guard let g = c.data.train.groups?.first ?? c.data.test.groups?.first else {
            throw RuntimeError(RuntimeCode.data, "device \(c.index) has no user id (partition with `by_user()`)", at: span)
        }
        return g
    }

    /// Pool rows by user, in user order.
    func rowsByUser(_ pool: Dataset, span: SourceSpan) throws -> [Int32: [Int]] {
        guard let g = pool.groups else {
            throw RuntimeError(RuntimeCode.data, "the pool has no per-sample user ids (load it with `movielens`)", at: span)
        }
        var out: [Int32: [Int]] = [:]
        for (i, u) in g.enumerated() { out[u, default: []].append(i) }
        return out
    }

    /// The matched users, best first.
    func matchedUsers(_ r: RetrievalValue, _ c: ClientValue, pool: Dataset, span: SourceSpan) throws -> [Int32] {
        let me = try userOf(c, span: span)
        let byUser = try rowsByUser(pool, span: span).filter { $0.key != me }
        let others = byUser.keys.sorted()
        switch r.coarse {
        case .randomUsers(let m, let seed):
            var g = seed.map { SeededGenerator(seed: UInt64(bitPattern: Int64($0))).fork("user\(me)") } ?? evaluator.generator("random_users/\(me)")
            var shuffled = others
            g.shuffle(&shuffled)
            return Array(shuffled.prefix(m))
        case .overlap(let m):
            if session.deviceExecutor != nil {
                throw RuntimeError(RuntimeCode.deployment, "`overlap` compares the items of device \(c.index) in the service's process, which a deployed run does not do",
                                   at: span, hint: "use `knn(model: …)` or `random_users(…)`, which read only the device's user id, or run without `--deploy`")
            }
            let items = try pool.column("item").ints
            let mine = Set(try c.data.train.column("item").ints)
            let scored = others.map { u -> (Int32, Int) in (u, byUser[u]!.reduce(0) { $0 + (mine.contains(items[$1]) ? 1 : 0) }) }
            return scored.filter { $0.1 > 0 }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(m).map(\.0)
        case .knn(let model, let input, let metric, let m):
            let (table, dim) = try embeddingTable(model, input: input, span: span)
            guard Int(me) < table.count / dim else {
                throw RuntimeError(RuntimeCode.data, "user \(me) is outside `\(model.name)`'s embedding table", at: span)
            }
            func vec(_ u: Int32) -> ArraySlice<Float> { table[(Int(u) * dim)..<(Int(u) * dim + dim)] }
            func score(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
                var dot = 0.0, na = 0.0, nb = 0.0
                for (x, y) in zip(a, b) { dot += Double(x * y); na += Double(x * x); nb += Double(y * y) }
                return metric == "dot" ? dot : dot / max((na * nb).squareRoot(), 1e-12)
            }
            let mv = vec(me)
            let scored = others.filter { Int($0) < table.count / dim }.map { ($0, score(mv, vec($0))) }
            return scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(m).map(\.0)
        default:
            throw RuntimeError(RuntimeCode.type, "`\(r.coarse.name)` is not a coarse strategy", at: span)
        }
    }

    func retrieve(_ r: RetrievalValue, _ c: ClientValue, pool: Dataset, span: SourceSpan) throws -> Dataset {
        let users = try matchedUsers(r, c, pool: pool, span: span)
        let byUser = try rowsByUser(pool, span: span)
        let rows = users.flatMap { byUser[$0] ?? [] }
        // Delivered samples are re-homed to the device's user: the device trains a personal
        // model, so a similar user's sample augments *this* user's data (with its original id
        // it would only move that other user's embedding, which the device never uses).
        do {
            let picked = try pool.selecting(rows: rows)
            guard picked.hasColumn("user") else { return picked }
            let me = try userOf(c, span: span)
            let col = try picked.column("user")
            return try picked.settingColumn("user", try Tensor(shape: col.shape, ints: [Int32](repeating: me, count: col.count)))
        } catch let e as DataError { throw RuntimeError(RuntimeCode.data, e.description, at: span) }
    }

    /// The table an embedding layer looks `input` up in: the `gather` whose ids are that input.
    func embeddingTable(_ m: ModelInstance, input: String, span: SourceSpan) throws -> (values: [Float], dim: Int) {
        let g = try m.forward(training: false)
        guard let inputValue = g.input(named: input) else {
            throw RuntimeError(RuntimeCode.type, "`\(m.name)` has no input `\(input)`", at: span)
        }
        for n in g.nodes where n.inputs.count == 2 && n.inputs[1] == inputValue {
            if let name = g.parameterName(of: n.inputs[0]), let t = m.weights.tensors[name], t.rank == 2 {
                return (t.floats, t.shape[1])
            }
        }
        throw RuntimeError(RuntimeCode.type, "`\(m.name)` does not look its `\(input)` input up in an embedding table", at: span)
    }

    func filter(_ r: RetrievalValue, _ c: ClientValue, candidates: Dataset, span: SourceSpan) throws -> Dataset {
        guard let fine = r.fine, candidates.count > 0 else { return candidates }
        switch fine {
        case .classifier(let hidden, let threshold, let epochs, let lr):
            let scores = try classifierScores(r, c, candidates: candidates, hidden: hidden, epochs: epochs, lr: lr, span: span)
            let keep = scores.indices.filter { scores[$0] > Float(threshold) }
            return try candidates.selecting(rows: keep)
        case .greedy(_, let epochs, let model):
            return try greedy(r, c, candidates: candidates, epochs: epochs, model: model, span: span).kept
        default:
            throw RuntimeError(RuntimeCode.type, "`\(fine.name)` is not a fine strategy", at: span)
        }
    }

    /// The item-embedding table of the `knn` coarse step's model, when it has one.
    func itemEmbeddings(_ r: RetrievalValue, span: SourceSpan) -> SampleClassifierData.Embeddings? {
        if case .knn(let m, _, _, _) = r.coarse, let t = try? embeddingTable(m, input: "item", span: span) { return t }
        return nil
    }

    /// P(local) of each candidate under a classifier trained on the device (local = 1,
    /// candidates = 0). In a deployed run the training runs on the device's host, which makes
    /// the training set from its own samples (DeviceDerivation.sampleClassifier); the scores of
    /// the candidates (cloud samples) are computed here.
    func classifierScores(_ r: RetrievalValue, _ c: ClientValue, candidates: Dataset, hidden: [Int], epochs: Int, lr: Double,
                          span: SourceSpan) throws -> [Float] {
        let table = itemEmbeddings(r, span: span)
        let outside = try SampleClassifierData.features(candidates, embeddings: table, span: span)
        let data = try SampleClassifierData.trainingSet(local: try SampleClassifierData.features(c.data.train, embeddings: table, span: span),
                                                        outside: outside, device: c.index, span: span)
        let width = try data.shape(of: "features")[1]
        var derivation: DeviceDerivation?
        if let home = c.location(.train) {
            derivation = .sampleClassifier(local: .part(home), candidates: candidates, embeddings: try table.map(SampleClassifierData.tensor),
                                           device: c.index)
        }
        let layer = try classifierLayer(hidden: hidden, span: span)
        let clf = try evaluator.elaborator.modelFromLayer(layer, inputs: [ModelInput(name: "features", shape: [width], dtype: .float32)],
                                               name: "\(r.name).classifier", span: span,
                                               seedKey: "\(r.name).classifier/device\(c.index)")
        var opts = TrainOptions()
        opts.epochs = epochs
        opts.batch = 64
        opts.optimizer = .adam(lr: lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false)
        opts.log = .none
        opts.seed = Int(c.index)
        _ = try Trainer(evaluator: evaluator, session: session).train(
            targets: [clf], names: [clf.name],
            data: .dataset(DataValue(data, side: .device, origin: "device \(c.index)", derivation: derivation)),
            objective: .defaultLoss(clf, labels: "y"), options: opts, label: "classifier", span: span)
        let cand = try Dataset(columns: [("features", try Tensor(shape: [outside.count, width], floats: outside.flatMap { $0 }))],
                               source: "candidates")
        let (logits, _) = try Evaluation(session: session).outputs(clf, on: cand, batch: 256, span: span)
        return logits.map { 1 / (1 + Foundation_exp(-$0)) }
    }

    /// `linear(h) |> relu` per hidden width, then one logit.
    func classifierLayer(hidden: [Int], span: SourceSpan) throws -> LayerValue {
        func layer(_ layer: LayerBuiltin, _ args: [(String, DCLCompiler.Value)]) throws -> LayerValue {
            let spec = Builtins.spec(.layer(layer))
            let bound = try evaluator.bindArguments(spec.params, args.map { (label: $0.0, value: $0.1, span: span) }, callee: spec.name, span: span)
            return LayerValue(.builtin(BuiltinLayerCall(layer, arguments: bound)), span: span)
        }
        var ls: [LayerValue] = []
        for h in hidden { ls += [try layer(.linear, [("units", .int(h))]), try layer(.relu, [])] }
        ls += [try layer(.linear, [("units", .int(1))]), try layer(.reshape, [("shape", .list([.int(-1)]))])]
        return LayerValue(.composed(ls), span: span)
    }

    /// Keeps a matched user's samples only if trial training with them raises local AUC.
    /// What the greedy filter kept, and the local AUC without and with the kept samples.
    struct GreedyResult {
        var kept: Dataset
        var baseAUC: Double
        var keptAUC: Double
    }

    func greedy(_ r: RetrievalValue, _ c: ClientValue, candidates: Dataset, epochs: Int, model: ModelInstance?, span: SourceSpan) throws -> GreedyResult {
        var base = model
        if base == nil, case .knn(let m, _, _, _) = r.coarse { base = m }
        guard let start = base else {
            throw RuntimeError(RuntimeCode.type, "`greedy` needs a model to trial-train: give `greedy(model: …)` or use `knn(model: …)`", at: span)
        }
        let local = c.data.train
        let localHome: DeviceDerivation? = c.location(.train).map { .part($0) }
        let byUser = try rowsByUser(candidates, span: span)
        let order = try matchedUsers(r, c, pool: candidates, span: span).filter { byUser[$0] != nil }
        var kept: [Int] = []
        func localAUC(training extra: [Int]) throws -> Double {
            let trial = try evaluator.elaborator.copyModel(start, span: span)
            let subset = try candidates.selecting(rows: extra)
            let (data, derivation) = try concat([(local, localHome), (subset, .cloud(subset))], span: span)
            var opts = TrainOptions()
            opts.epochs = epochs
            opts.log = .none
            opts.seed = Int(c.index)
            // The trial's AUC on the device's own samples, right after its training: in a
            // deployed run, both on the device's host, in one task.
            let onLocal = DataValue(local, side: c.side, origin: "\(c.origin).train", location: c.location(.train))
            let metrics = try Trainer(evaluator: evaluator, session: session).trainThenEvaluate(
                targets: [trial], names: [trial.name],
                data: .dataset(DataValue(data, side: .device, origin: "device \(c.index)", derivation: derivation)),
                objective: .defaultLoss(trial, labels: local.labelColumn), options: opts, label: "greedy",
                evaluate: .init(model: trial, data: onLocal, k: 10, batch: 256, keepsWeights: false), span: span)
            return metrics["auc"] ?? 0
        }
        let base0 = try localAUC(training: [])
        var best = base0
        for u in order {
            let trialRows = kept + byUser[u]!
            let auc = try localAUC(training: trialRows)
            if auc > best {
                best = auc
                kept = trialRows
            }
        }
        return GreedyResult(kept: try candidates.selecting(rows: kept), baseAUC: base0, keptAUC: best)
    }
}

import Foundation
private func Foundation_exp(_ x: Float) -> Float { Foundation.exp(x) }
