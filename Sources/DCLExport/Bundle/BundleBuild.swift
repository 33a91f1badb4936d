// Turning a `BundleDescription` into the bundle's entries and manifest, in memory and
// deterministically: the same description gives the same bytes.
//
// Each parameter is converted for storage once (`StoredWeight`); the safetensors file is
// written from those conversions and the model's ONNX initialisers are checked byte for byte
// against them, so the two weight copies in a bundle cannot disagree.

import DCLTensor

/// The entry holding the manifest.
public let manifestEntryName = "manifest.json"
/// The entry holding every model's weights.
public let weightsEntryName = "weights.safetensors"
/// Suffix of an int8 tensor's scale key in `weights.safetensors` (and ONNX initialiser name).
public let int8ScaleSuffix = "_scale"

/// A bundle's entries (manifest first) and its manifest, ready to archive.
struct BuiltBundle {
    var manifest: BundleManifest
    var entries: [ZipEntrySpec]
}

/// Model names become entry names: a letter, digit or underscore, then also '.' and '-'.
public func validateModelName(_ name: String) throws {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
    guard let first = name.first, first != ".", first != "-", name.count <= 100, name.allSatisfy(allowed.contains) else {
        throw ExportError(.invalidArgument, "model name \(quotedName(name)) cannot name a bundle entry: expected letters, digits, '_', '.' or '-' (not leading), at most 100 characters")
    }
}

func buildBundle(_ d: BundleDescription) throws -> BuiltBundle {
    guard !d.name.isEmpty else { throw ExportError(.invalidArgument, "the bundle has an empty name") }
    var modelNames: Set<String> = []
    var safetensors: [SafeTensorsEntry] = []
    var axisMetadata: [String: String] = [:]
    var models: [BundleManifest.Model] = []
    var payload: [ZipEntrySpec] = []
    var modelEntries: [ZipEntrySpec] = []

    for m in d.models {
        try validateModelName(m.name)
        guard modelNames.insert(m.name).inserted else { throw ExportError(.invalidArgument, "model '\(m.name)' appears twice in bundle '\(d.name)'") }
        try validateSignatures(m)

        var tensors: [BundleManifest.Tensor] = []
        var stored: [StoredWeight] = []
        var paramNames: Set<String> = []
        var worst: QuantizationError?
        for p in m.parameters {
            guard !p.name.isEmpty else { throw ExportError(.invalidArgument, "model '\(m.name)' has a parameter with an empty name") }
            guard paramNames.insert(p.name).inserted else { throw ExportError(.invalidArgument, "model '\(m.name)' has parameter '\(p.name)' twice") }
            let w = try StoredWeight(name: p.name, tensor: p.tensor, storage: d.weightStorage, channelAxis: p.channelAxis)
            stored.append(w)
            let key = "\(m.name)/\(p.name)"
            var entry = BundleManifest.Tensor(name: p.name, key: key, shape: w.shape, stored: w.storedDType)
            switch w.data {
            case .float32(let t): safetensors.append(SafeTensorsEntry(name: key, dtype: .f32, shape: t.shape, bytes: t.rawBytes()))
            case .int32(let t): safetensors.append(SafeTensorsEntry(name: key, dtype: .i32, shape: t.shape, bytes: t.rawBytes()))
            case .float16(let h):
                safetensors.append(SafeTensorsEntry(name: key, dtype: .f16, shape: w.shape, bytes: rawBytes(of: h)))
                entry.error = w.error
            case .int8(let q):
                let scaleKey = key + int8ScaleSuffix
                safetensors.append(SafeTensorsEntry(name: key, dtype: .i8, shape: w.shape, bytes: q.values.map { UInt8(bitPattern: $0) }))
                safetensors.append(SafeTensorsEntry(name: scaleKey, dtype: .f32, shape: q.axis == nil ? [] : [q.scales.count], bytes: rawBytes(of: q.scales)))
                entry.scaleKey = scaleKey
                entry.axis = q.axis
                if let axis = q.axis { axisMetadata["dcl.axis.\(key)"] = String(axis) }
                entry.error = w.error
            }
            if let e = entry.error { worst = worst.map { $0.merged(with: e) } ?? e }
            tensors.append(entry)
        }

        let graphEntry = "\(m.name).graph"
        modelEntries.append(ZipEntrySpec(name: graphEntry, bytes: Array(m.graphText.utf8), compress: true))
        var onnxEntry: String?
        if let onnx = m.onnx {
            guard onnx.count < Int(Int32.max) else {
                throw ExportError(.tooLarge, "model '\(m.name)': its ONNX file is \(onnx.count) bytes; protobuf limits a model to 2 GiB (external data is not supported yet)")
            }
            var expected = ONNXExpectation(inputs: m.inputs.map { .init(name: $0.name, type: $0.onnxType) },
                                           outputs: m.outputs.map { .init(name: $0.name, type: $0.onnxType) })
            for w in stored {
                expected.expectParameter(w.name, stored: w.data.form) { part, raw in raw == w.data.rawParts[part] }
            }
            try checkONNX(onnx, against: expected) { ExportError(.invalidArgument, "model '\(m.name)': \($0)") }
            onnxEntry = "\(m.name).onnx"
            modelEntries.append(ZipEntrySpec(name: onnxEntry!, bytes: onnx, compress: false))
        }
        models.append(BundleManifest.Model(
            name: m.name, graph: graphEntry, onnx: onnxEntry,
            inputs: m.inputs.map(signature), outputs: m.outputs.map(signature),
            params: m.metrics.params, flopsPerSample: m.metrics.flopsPerSample, peakMemoryBytes: m.metrics.peakMemoryBytes,
            tensors: tensors, quantizationError: worst, outputError: m.outputError))
    }

    var metadata = ["format": "dcl", "dcl.bundle": d.name, "dcl.weight_storage": d.weightStorage.name]
    if case .int8 = d.weightStorage { metadata["dcl.scale_suffix"] = int8ScaleSuffix }
    metadata.merge(axisMetadata) { a, _ in a }
    payload.append(ZipEntrySpec(name: weightsEntryName, bytes: try SafeTensorsFile.encodeWeights(safetensors, metadata: metadata), compress: false))
    payload.append(contentsOf: modelEntries)

    let entries = payload.map { BundleManifest.Entry(name: $0.name, bytes: $0.bytes.count, sha256: SHA256.hexDigest($0.bytes)) }
    let storage = payload.reduce(0) { $0 + $1.bytes.count }
    var granularity: String?
    if case .int8(let perChannel) = d.weightStorage { granularity = perChannel ? "per_channel" : "per_tensor" }

    let manifest = BundleManifest(
        format: bundleFormatName, formatVersion: bundleFormatVersion, dclVersion: d.dclVersion, bundle: d.name,
        role: BundleManifest.Role(name: d.role.name, kind: d.role.kind),
        weights: BundleManifest.Weights(entry: weightsEntryName, storage: d.weightStorage.name, int8Granularity: granularity,
                                        tensorCount: safetensors.count),
        models: models,
        budget: try budget(d, storage: storage),
        entries: entries,
        patterns: try patterns(d))
    let manifestEntry = ZipEntrySpec(name: manifestEntryName, bytes: try manifest.jsonBytes(), compress: true)
    return BuiltBundle(manifest: manifest, entries: [manifestEntry] + payload)
}

/// The description's patterns, each naming only models of the bundle; nil when there are none.
private func patterns(_ d: BundleDescription) throws -> [BundleManifest.Pattern]? {
    let names = Set(d.models.map(\.name))
    for p in d.patterns {
        for (part, model) in p.models.sorted(by: { $0.key < $1.key }) where !names.contains(model) {
            throw ExportError(.invalidArgument, "pattern '\(p.name)' names model '\(model)' (\(part)), which is not in bundle '\(d.name)'")
        }
    }
    return d.patterns.isEmpty ? nil : d.patterns
}

private func signature(_ s: TensorSignature) -> BundleManifest.Signature {
    BundleManifest.Signature(name: s.name, shape: [.symbol("N")] + s.sampleShape.map { .fixed($0) }, dtype: s.dtype.rawValue)
}

private func validateSignatures(_ m: ModelDescription) throws {
    var names: Set<String> = []
    for s in m.inputs + m.outputs {
        guard !s.name.isEmpty else { throw ExportError(.invalidArgument, "model '\(m.name)' has an input or output with an empty name") }
        guard names.insert(s.name).inserted else { throw ExportError(.invalidArgument, "model '\(m.name)' names '\(s.name)' twice among its inputs and outputs") }
        guard s.sampleShape.allSatisfy({ $0 >= 0 }) else {
            throw ExportError(.invalidArgument, "model '\(m.name)': '\(s.name)' has a negative dimension in \(s.sampleShape)")
        }
    }
    let metrics = m.metrics
    guard metrics.params >= 0, metrics.flopsPerSample >= 0, metrics.peakMemoryBytes >= 0 else {
        throw ExportError(.invalidArgument, "model '\(m.name)' has a negative metric")
    }
}

/// Each limit measured per `BudgetMetric`'s rule unless the caller measured it.
private func budget(_ d: BundleDescription, storage: Int) throws -> BundleManifest.Budget {
    try BundleManifest.Budget(measuring: d.budget, models: d.models.map(\.metrics), storage: storage)
}

extension BundleManifest.Budget {
    /// `limits` measured against `models` (params, FLOPs and memory: the largest model) and
    /// `storage` bytes, unless a limit carries its own measurement. Shared by the writer and by
    /// `dcl check`, which measures graphs without building a bundle.
    public init(measuring limits: [BudgetLimit], models: [ModelMetrics], storage: Int) throws {
        var seen: Set<BudgetMetric> = []
        var out: [BundleManifest.Limit] = []
        for b in limits {
            guard seen.insert(b.metric).inserted else { throw ExportError(.invalidArgument, "budget '\(b.metric.rawValue)' is given twice") }
            guard b.limit >= 0 else { throw ExportError(.invalidArgument, "budget '\(b.metric.rawValue)' is negative") }
            let measured: Int
            switch b.metric {
            case .params: measured = b.measured ?? models.map(\.params).max() ?? 0
            case .flops: measured = b.measured ?? models.map(\.flopsPerSample).max() ?? 0
            case .memory: measured = b.measured ?? models.map(\.peakMemoryBytes).max() ?? 0
            case .storage: measured = b.measured ?? storage
            }
            out.append(BundleManifest.Limit(metric: b.metric, limit: b.limit, measured: measured, met: measured <= b.limit))
        }
        self.init(met: out.allSatisfy(\.met), limits: out)
    }
}
