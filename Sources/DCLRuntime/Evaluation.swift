// `evaluate(model, on: data)`: runs the model in inference mode over the data and reports
// metrics (Metrics.swift) — per client and their mean and spread when the data is clients.
// Evaluation simulates serving, so it may read test samples wherever the served model runs.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLTensor

struct Evaluation {
    let session: Session

    func evaluate(_ m: ModelInstance, on data: DCLCompiler.Value, k: Int, batch: Int, span: SourceSpan) throws -> MetricsValue {
        if let devices = session.deviceExecutor {
            return try evaluateDeployed(m, on: data, devices: devices, k: k, batch: batch, span: span)
        }
        return try evaluateHere(m, on: data, k: k, batch: batch, span: span)
    }

    private func evaluateHere(_ m: ModelInstance, on data: DCLCompiler.Value, k: Int, batch: Int, span: SourceSpan) throws -> MetricsValue {
        switch data {
        case .dataset(let d):
            return try metrics(m, on: d.dataset, k: k, batch: batch, span: span)
        case .clients(let c):
            let part: ClientPart = c.part == .all ? .test : c.part
            let per = try c.federated.clients.map { cl -> MetricsValue in
                guard let ds = cl[part], ds.count > 0 else {
                    throw RuntimeError(RuntimeCode.data, "client \(cl.id) of `\(c.origin)` has no \(part.rawValue) samples", at: span)
                }
                return try metrics(m, on: ds, k: k, batch: batch, span: span)
            }
            return Self.aggregate(per)
        case .client(let cl):
            return try metrics(m, on: cl.data.test, k: k, batch: batch, span: span)
        default:
            throw RuntimeError(RuntimeCode.type, "`evaluate` needs a dataset or clients, found \(data.kindName)", at: span)
        }
    }

    /// In a deployed run: one device's own data is evaluated on its host; data on no device
    /// here; device data the service cannot place (a whole fleet, derived data) is refused.
    private func evaluateDeployed(_ m: ModelInstance, on data: DCLCompiler.Value, devices: DeviceExecutor, k: Int, batch: Int,
                                  span: SourceSpan) throws -> MetricsValue {
        let remote = RemoteEvaluation(devices: devices, session: session, span: span)
        switch data {
        case .dataset(let d) where d.holdsDeviceSamples && d.deviceHome != nil:
            return try remote.evaluate(m, data: d, k: k, batch: batch)
        case .client(let cl) where cl.location(.test) != nil:
            let d = DataValue(cl.data.test, side: cl.side, origin: "\(cl.origin).test", location: cl.location(.test))
            return try remote.evaluate(m, data: d, k: k, batch: batch)
        case .clients(let c) where c.side == .device && c.role != nil:
            // Every device of the role at once, one task per device, then the same mean and
            // spread as in process.
            let part: ClientPart = c.part == .all ? .test : c.part
            let parts = try c.federated.clients.enumerated().map { i, cl -> DataValue in
                guard let ds = cl[part], ds.count > 0 else {
                    throw RuntimeError(RuntimeCode.data, "client \(cl.id) of `\(c.origin)` has no \(part.rawValue) samples", at: span)
                }
                let location = DeviceDataLocation(role: c.role!, device: i, part: part)
                return DataValue(ds, side: .device, origin: "\(c.origin)[\(i)]", location: location)
            }
            let per = try remote.evaluate(m, on: parts, k: k, batch: batch, tolerance: c.tolerance)
            return Self.aggregateAnswered(per, what: "`evaluate`", origin: c.origin, session: session)
        case .dataset(let d) where d.holdsDeviceSamples:
            throw Deployment.unplaced("`evaluate`", origin: d.origin, span: span)
        case .clients(let c) where c.side == .device:
            throw Deployment.unplaced("`evaluate`", origin: c.origin, span: span)
        case .client(let cl) where cl.side == .device:
            throw Deployment.unplaced("`evaluate`", origin: cl.origin, span: span)
        default:
            return try evaluateHere(m, on: data, k: k, batch: batch, span: span)
        }
    }

    /// The aggregate over the devices that answered a tolerant round; the dropped ones are
    /// reported on standard error, not averaged in.
    static func aggregateAnswered(_ per: [MetricsValue?], what: String, origin: String, session: Session) -> MetricsValue {
        let dropped = per.enumerated().compactMap { $0.element == nil ? $0.offset : nil }
        if !dropped.isEmpty {
            session.notice(RemoteWork.droppedNotice(what, origin: origin, dropped: dropped, of: per.count))
        }
        return aggregate(per.compactMap { $0 })
    }

    /// Mean and standard deviation of each metric over clients (each client weighs the same).
    static func aggregate(_ per: [MetricsValue]) -> MetricsValue {
        guard !per.isEmpty else { return MetricsValue(values: []) }
        var names: [String] = []
        for p in per { for (n, _) in p.values where !names.contains(n) { names.append(n) } }
        var mean: [(String, Double)] = [], std: [(String, Double)] = []
        for name in names {
            let xs = per.compactMap { $0[name] }
            let (m, s) = MetricMath.meanStd(xs)
            mean.append((name, name == "count" ? xs.reduce(0, +) : m))
            if name != "count" { std.append((name, s)) }
        }
        return MetricsValue(values: mean, clients: per, std: std)
    }

    /// The model's outputs on every sample of `d`, in order, as [count, outputSize] floats.
    func outputs(_ m: ModelInstance, on d: Dataset, batch: Int, span: SourceSpan) throws -> (values: [Float], width: Int) {
        let runner = try InferenceRunner.for(m, options: session.executionOptions)
        var out: [Float] = []
        // All outputs are kept at once: size them against the tensor cap before reserving.
        do { out.reserveCapacity(try elementCount([d.count] + m.outputShape, op: "evaluate")) } catch let e as TensorError {
            throw RuntimeError(RuntimeCode.limit, "the outputs of `\(m.name)` on \(d.count) samples: \(e.message)", at: span)
        }
        do {
            for b in try d.batches(size: batch) {
                if session.evaluatorInterrupted() { throw Interrupted() }
                out += try runner.run(b.columns, span: span).floats
            }
        } catch let e as DataError {
            throw RuntimeError(RuntimeCode.data, e.description, at: span)
        }
        return (out, m.outputShape.reduce(1, *))
    }

    func metrics(_ m: ModelInstance, on d: Dataset, k: Int, batch: Int, span: SourceSpan) throws -> MetricsValue {
        let (out, width) = try outputs(m, on: d, batch: batch, span: span)
        return try Self.metrics(outputs: out, width: width, outputRank: m.outputShape.count, data: d, k: k, span: span)
    }

    /// Metrics of given outputs against the data's labels.
    static func metrics(outputs out: [Float], width: Int, outputRank: Int, data d: Dataset, k: Int, span: SourceSpan) throws -> MetricsValue {
        guard d.hasColumn(d.labelColumn) else {
            throw RuntimeError(RuntimeCode.data, "the data has no label column `\(d.labelColumn)` to evaluate against", at: span)
        }
        let labels = try d.column(d.labelColumn)
        var values: [(String, Double)] = []
        if labels.dtype == .int32, outputRank == 1 {
            let ys = labels.ints
            guard let bad = ys.first(where: { $0 < 0 || Int($0) >= width }) .map({ Int($0) }) else {
                let (loss, acc, top) = MetricMath.classification(logits: out, classes: width, labels: ys)
                values = [("loss", loss), ("accuracy", acc)]
                if width > 5 { values.append(("top5", top)) }
                values.append(("count", Double(ys.count)))
                return MetricsValue(values: values)
            }
            throw RuntimeError(RuntimeCode.data, "label \(bad) is out of range for a model with \(width) outputs", at: span)
        }
        if labels.dtype == .float32, outputRank == 0 {
            let ys = labels.floats
            let (logloss, acc) = MetricMath.binary(logits: out, labels: ys)
            // AUC is undefined when the labels hold one class; it is then left out (and left out
            // of a mean over clients). Ranking metrics likewise need a group with a positive.
            if let auc = MetricMath.auc(scores: out, labels: ys) { values.append(("auc", auc)) }
            values += [("logloss", logloss), ("accuracy", acc)]
            if let g = d.groups {
                let r = MetricMath.ranking(scores: out, labels: ys, groups: g, k: k)
                if r.groups > 0 { values += [("hit_rate", r.hitRate), ("ndcg", r.ndcg)] }
            }
            values.append(("count", Double(ys.count)))
            return MetricsValue(values: values)
        }
        guard labels.count == out.count else {
            throw RuntimeError(RuntimeCode.shape, "the model gives \(out.count / max(1, d.count)) values per sample but the labels have \(labels.count / max(1, d.count))",
                               at: span)
        }
        let ys = labels.dtype == .float32 ? labels.floats : labels.ints.map(Float.init)
        let mse = zip(out, ys).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(max(1, ys.count))
        return MetricsValue(values: [("mse", mse), ("count", Double(d.count))])
    }
}
